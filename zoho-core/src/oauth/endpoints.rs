//! Where a connection's OAuth calls go, and which hosts may receive its client secret.

use url::{Host, Url};

use crate::Error;
use crate::region::Region;

/// The three OAuth endpoints of a connection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OAuthEndpoints {
    /// Where the browser is sent to authorize.
    pub authorize_url: Url,
    /// Where codes and refresh tokens are exchanged.
    pub token_url: Url,
    /// Where a refresh token is revoked.
    pub revoke_url: Url,
    /// The accounts server the endpoints hang off (`oauth2` connections). `None` for the
    /// deprecated kind, whose endpoints are given one by one and never follow a redirect's
    /// `accounts-server`.
    pub accounts_base: Option<Url>,
}

impl OAuthEndpoints {
    /// The standard endpoints under an accounts server (`{base}/oauth/v2/auth`, `/token`,
    /// `/token/revoke`).
    pub fn for_accounts_server(base: &Url) -> Result<OAuthEndpoints, Error> {
        Ok(OAuthEndpoints {
            authorize_url: join(base, "oauth/v2/auth")?,
            token_url: join(base, "oauth/v2/token")?,
            revoke_url: join(base, "oauth/v2/token/revoke")?,
            accounts_base: Some(base.clone()),
        })
    }

    /// The standard endpoints of a Zoho data center.
    pub fn for_region(region: Region) -> Result<OAuthEndpoints, Error> {
        OAuthEndpoints::for_accounts_server(&checked_base_url(
            "region_url",
            &region.accounts_url(),
        )?)
    }

    /// The token and revoke URLs to use for tokens granted by `accounts_server` (a multi-DC
    /// redirect's `accounts-server`, or the one stored with the tokens). The client secret goes
    /// there, so it must be a known Zoho accounts server or this connection's own accounts base;
    /// anything else is refused. The deprecated kind always uses its configured URLs.
    pub fn for_grant_from(&self, accounts_server: Option<&str>) -> Result<OAuthEndpoints, Error> {
        let (Some(own_base), Some(server)) = (&self.accounts_base, accounts_server) else {
            return Ok(self.clone());
        };
        let server = checked_base_url("accounts-server", server)?;
        if same_origin(&server, own_base) {
            return Ok(self.clone());
        }
        let is_zoho_accounts = server.scheme() == "https"
            && server.port().is_none()
            && matches!(server.path(), "" | "/")
            && server
                .host_str()
                .and_then(Region::from_accounts_host)
                .is_some();
        if !is_zoho_accounts {
            return Err(Error::Config(format!(
                "`accounts-server` `{}` is neither a Zoho accounts server nor this connection's \
                 accounts server `{}`; the client secret is never sent there",
                server.origin().ascii_serialization(),
                own_base.origin().ascii_serialization()
            )));
        }
        let mut endpoints = OAuthEndpoints::for_accounts_server(&server)?;
        // The browser still authorizes where the connection is configured.
        endpoints.authorize_url = self.authorize_url.clone();
        Ok(endpoints)
    }
}

/// Parse a configured base URL (accounts server, API base, OAuth endpoint): absolute `https`
/// (plain `http` only to a loopback host, for the sandbox and tests), no user info, no query
/// or fragment. `field` names the setting in the error.
pub fn checked_base_url(field: &str, value: &str) -> Result<Url, Error> {
    let refuse = |why: &str| Error::Config(format!("`{field}` `{value}`: {why}"));
    let url =
        Url::parse(value.trim()).map_err(|err| refuse(&format!("not an absolute URL ({err})")))?;
    let Some(host) = url.host() else {
        return Err(refuse("the URL has no host"));
    };
    match url.scheme() {
        "https" => {}
        "http" if is_loopback(&host) => {}
        "http" => {
            return Err(refuse(
                "plain http is allowed only to a loopback host; use https",
            ));
        }
        other => return Err(refuse(&format!("scheme `{other}` is not http(s)"))),
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(refuse("user info in the URL is not allowed"));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(refuse("a query or fragment is not allowed"));
    }
    Ok(url)
}

/// Whether two URLs share scheme, host and port.
pub fn same_origin(a: &Url, b: &Url) -> bool {
    a.origin() == b.origin()
}

fn is_loopback(host: &Host<&str>) -> bool {
    match host {
        Host::Domain(name) => name.eq_ignore_ascii_case("localhost"),
        Host::Ipv4(ip) => ip.is_loopback(),
        Host::Ipv6(ip) => ip.is_loopback(),
    }
}

/// `base` + `path`, keeping any path the base already has (`http://127.0.0.1:9/zoho` stays
/// under `/zoho`).
fn join(base: &Url, path: &str) -> Result<Url, Error> {
    let mut dir = base.clone();
    if !dir.path().ends_with('/') {
        let with_slash = format!("{}/", dir.path());
        dir.set_path(&with_slash);
    }
    dir.join(path)
        .map_err(|err| Error::Config(format!("cannot build an OAuth URL under `{base}`: {err}")))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn endpoints_keep_a_base_path() {
        let base = checked_base_url("accounts_url", "http://127.0.0.1:9/zoho").unwrap();
        let endpoints = OAuthEndpoints::for_accounts_server(&base).unwrap();
        assert_eq!(
            endpoints.token_url.as_str(),
            "http://127.0.0.1:9/zoho/oauth/v2/token"
        );
    }

    #[test]
    fn base_urls_must_be_safe() {
        for bad in [
            "accounts.zoho.com",
            "http://accounts.zoho.com",
            "ftp://127.0.0.1",
            "https://user:pw@accounts.zoho.com",
            "https://accounts.zoho.com/?x=1",
            "https://accounts.zoho.com/#frag",
        ] {
            let err = checked_base_url("region_url", bad).unwrap_err();
            assert!(err.to_string().contains("`region_url`"), "{bad}: {err}");
        }
        assert!(checked_base_url("x", "http://localhost:8080").is_ok());
        assert!(checked_base_url("x", "http://[::1]:8080").is_ok());
    }
}

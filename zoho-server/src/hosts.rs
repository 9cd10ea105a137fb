//! Which `Host` (and browser `Origin`) a request may name: the guard against DNS rebinding.
//!
//! A web page the user visits can point a name it controls (`evil.example`) at 127.0.0.1; the
//! browser then treats our server as that page's own origin and lets it read the answers. The
//! request still says `Host: evil.example`, so refusing names we do not answer to ends the attack.
//! An IP literal can never be rebound, which is why a server listening on every address
//! (`0.0.0.0`, with an API key) takes any IP literal as well as the names it is given.

use std::net::{IpAddr, SocketAddr};

use http::HeaderValue;
use http::uri::Authority;

/// The host names a server answers to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AllowedHosts {
    names: Vec<String>,
    any_ip: bool,
    any: bool,
}

impl AllowedHosts {
    /// The defaults for a server listening on `listen`: `localhost`, the loopback addresses and
    /// the listen address itself (any IP literal when that is unspecified, `0.0.0.0` or `::`).
    pub fn for_listener(listen: SocketAddr) -> AllowedHosts {
        let mut hosts = AllowedHosts {
            names: ["localhost", "127.0.0.1", "::1"]
                .map(str::to_owned)
                .to_vec(),
            any_ip: listen.ip().is_unspecified(),
            any: false,
        };
        hosts.allow(&listen.ip().to_string());
        hosts
    }

    /// Also answer to `host` (a name or an IP, a port after it is ignored); `*` answers to any
    /// host, for a server behind a proxy that checks `Host` itself.
    pub fn allow(&mut self, host: &str) {
        if host.trim() == "*" {
            self.any = true;
            return;
        }
        if let Some(name) = normalize(host)
            && !self.names.contains(&name)
        {
            self.names.push(name);
        }
    }

    /// Also answer to the host of `url` (`--public-url`); `false` when it has none.
    pub fn allow_url_host(&mut self, url: &str) -> bool {
        match url::Url::parse(url)
            .ok()
            .and_then(|u| u.host_str().map(str::to_owned))
        {
            Some(host) => {
                self.allow(&host);
                true
            }
            None => false,
        }
    }

    /// Whether a request naming `host` (a `Host` header or the request target's authority:
    /// `name[:port]`) is for us.
    pub fn admits_host(&self, host: &str) -> bool {
        if self.any || self.names_exactly(host) {
            return true;
        }
        match normalize(host) {
            Some(name) => {
                self.names.contains(&name) || (self.any_ip && name.parse::<IpAddr>().is_ok())
            }
            None => false,
        }
    }

    /// Whether `host` is one of the names as written (`localhost:8787`, `127.0.0.1`): what
    /// nearly every request sends, answered without normalizing (which allocates). A name
    /// already in its normal form normalizes to itself, so this never admits what
    /// [`normalize`] would refuse.
    fn names_exactly(&self, host: &str) -> bool {
        let name = match host.rsplit_once(':') {
            Some((name, port))
                if !name.contains(':')
                    && port.bytes().all(|b| b.is_ascii_digit())
                    && port.parse::<u16>().is_ok() =>
            {
                name
            }
            Some(_) => return false,
            None => host,
        };
        self.names.iter().any(|allowed| allowed == name)
    }

    /// Whether a browser's `Origin` header names a page of ours (`null`, sent by sandboxed and
    /// file pages, is nobody's).
    pub fn admits_origin(&self, origin: &HeaderValue) -> bool {
        let Some(url) = origin.to_str().ok().and_then(|o| url::Url::parse(o).ok()) else {
            return false;
        };
        matches!(url.scheme(), "http" | "https")
            && url.host_str().is_some_and(|host| self.admits_host(host))
    }

    /// The names answered to, for the start-up log.
    pub fn names(&self) -> &[String] {
        &self.names
    }
}

/// `Host: Example.COM.:8787` and `[::1]:80` as the bare, lower-case names `example.com`, `::1`.
fn normalize(host: &str) -> Option<String> {
    let host = host.trim();
    let bare = match host.parse::<Authority>() {
        Ok(authority) => authority.host().to_owned(),
        // An IPv6 address given without brackets (`--allow-host ::1`) is no authority.
        Err(_) => host.parse::<IpAddr>().ok()?.to_string(),
    };
    let bare = bare.trim_start_matches('[').trim_end_matches(']');
    let bare = bare.strip_suffix('.').unwrap_or(bare).to_ascii_lowercase();
    if bare.is_empty() {
        return None;
    }
    // One spelling per address: `::0:1` and `::1` are the same host.
    Some(bare.parse::<IpAddr>().map_or(bare, |ip| ip.to_string()))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn loopback() -> AllowedHosts {
        AllowedHosts::for_listener("127.0.0.1:8787".parse().unwrap())
    }

    /// The shortcut for names written as allowed answers as normalizing would.
    #[test]
    fn the_exact_name_shortcut_agrees_with_normalizing() {
        let hosts = loopback();
        for host in [
            "localhost:8787",
            "localhost:",
            "localhost:+80",
            "localhost:99999",
            "localhost:80:80",
            "127.0.0.1:0",
            "127.0.0.1:abc",
            "::1",
            "[::1]:8787",
            "localhost ",
        ] {
            let normalized = normalize(host).is_some_and(|name| hosts.names.contains(&name));
            assert_eq!(hosts.admits_host(host), normalized, "{host}");
        }
    }

    #[test]
    fn a_loopback_server_answers_to_its_own_names_only() {
        let hosts = loopback();
        for ok in [
            "127.0.0.1:8787",
            "localhost:8787",
            "LOCALHOST",
            "localhost.",
            "[::1]:8787",
        ] {
            assert!(hosts.admits_host(ok), "{ok}");
        }
        for refused in [
            "evil.example",
            "evil.example:8787",
            "127.0.0.1.evil.example",
            "localhost.evil.example",
            "10.0.0.1",
            "",
            "a b",
        ] {
            assert!(!hosts.admits_host(refused), "{refused}");
        }
    }

    #[test]
    fn configured_names_and_the_public_url_are_added() {
        let mut hosts = loopback();
        hosts.allow("zoho.internal");
        assert!(hosts.allow_url_host("https://Api.Example.com/base"));
        assert!(hosts.admits_host("zoho.internal:443"));
        assert!(hosts.admits_host("api.example.com"));
        assert!(!hosts.admits_host("example.com"));
        hosts.allow("*");
        assert!(hosts.admits_host("anything.example"));
    }

    #[test]
    fn a_server_on_every_address_takes_ip_literals_but_not_other_names() {
        let hosts = AllowedHosts::for_listener("0.0.0.0:8787".parse().unwrap());
        assert!(hosts.admits_host("192.168.1.20:8787"));
        assert!(hosts.admits_host("[fe80::1]:8787"));
        assert!(!hosts.admits_host("rebound.evil.example:8787"));
    }

    #[test]
    fn origins_must_be_web_pages_of_an_allowed_host() {
        let hosts = loopback();
        for (origin, ok) in [
            ("http://127.0.0.1:8787", true),
            ("http://localhost:3000", true),
            ("http://evil.example", false),
            ("null", false),
            ("file://", false),
        ] {
            assert_eq!(
                hosts.admits_origin(&HeaderValue::from_static(origin)),
                ok,
                "{origin}"
            );
        }
    }
}

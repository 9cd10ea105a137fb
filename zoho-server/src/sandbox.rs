//! `--sandbox`: start the Zoho sandbox in-process and connect the `default` connection to it
//! through the real authorization-code flow (consent page, Accept, redirect with the code), so the
//! first call works with nothing configured.

use zoho_core::{Connection, ConnectionConfig, Secret};
use zoho_sandbox::{Sandbox, SandboxConfig};

use crate::Error;
use crate::connections::DEFAULT_CONNECTION;
use crate::oauth::OAuthFlows;

/// Start the sandbox and a `default` connection to it, not yet authorized; its tokens live
/// in memory.
pub async fn start(config: SandboxConfig) -> Result<(Sandbox, Connection), Error> {
    let sandbox = Sandbox::start(config)
        .await
        .map_err(|err| Error::Sandbox(err.to_string()))?;
    let connection_config =
        ConnectionConfig::at_base_url(zoho_sandbox::CLIENT_ID, sandbox.base_url());
    let connection = Connection::new(
        DEFAULT_CONNECTION,
        connection_config,
        Secret::new(zoho_sandbox::CLIENT_SECRET),
    )?;
    Ok((sandbox, connection))
}

/// Authorize `connection` as a user would: open the consent page `flows` hands out, press
/// Accept, and take the redirect back. With `follow_redirect` the redirect is followed over
/// HTTP to our own `/oauth/callback` (the server must be serving); otherwise the code is taken
/// from the redirect's `Location` and the flow finished in-process.
pub async fn authorize(
    flows: &OAuthFlows,
    connection: &str,
    follow_redirect: bool,
) -> Result<(), Error> {
    let consent_url = flows.start(connection)?;
    let redirect = accept_consent(&consent_url).await?;
    if follow_redirect {
        let callback = no_redirects()?
            .get(redirect)
            .send()
            .await
            .map_err(|err| Error::Sandbox(format!("following the redirect: {err}")))?;
        if !callback.status().is_success() {
            let status = callback.status();
            let body = callback.text().await.unwrap_or_default();
            return Err(Error::Authorization(format!(
                "our callback answered {status}: {}",
                body.trim()
            )));
        }
        Ok(())
    } else {
        let pairs: Vec<(String, String)> = redirect.query_pairs().into_owned().collect();
        flows.complete(&pairs).await.map(|_| ())
    }
}

/// Do what a user does on the sandbox's consent page: open it, press Accept. Returns where the
/// page redirects the browser (the `redirect_uri` with `code`, `state` and `accounts-server`).
pub async fn accept_consent(consent_url: &str) -> Result<url::Url, Error> {
    let http = no_redirects()?;
    let fail = |what: &str, err: &dyn std::fmt::Display| Error::Sandbox(format!("{what}: {err}"));
    let page = http
        .get(consent_url)
        .send()
        .await
        .and_then(reqwest::Response::error_for_status)
        .map_err(|err| fail("fetching the consent page", &err))?
        .text()
        .await
        .map_err(|err| fail("reading the consent page", &err))?;
    let form = ConsentForm::parse(&page).ok_or_else(|| {
        Error::Sandbox("the consent page has no form with an Accept button".into())
    })?;
    let action = url::Url::parse(consent_url)
        .and_then(|base| base.join(&form.action))
        .map_err(|err| fail("the consent form's action", &err))?;
    let answer = http
        .post(action)
        .form(&form.fields)
        .send()
        .await
        .map_err(|err| fail("submitting the consent form", &err))?;
    let location = answer
        .headers()
        .get(http::header::LOCATION)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
        .ok_or_else(|| {
            Error::Sandbox(format!(
                "Accept answered {} without a redirect",
                answer.status()
            ))
        })?;
    url::Url::parse(&location).map_err(|err| fail("the consent redirect", &err))
}

fn no_redirects() -> Result<reqwest::Client, Error> {
    zoho_core::http_client(zoho_core::DEFAULT_CONNECT_TIMEOUT)
        .map_err(|err| Error::Sandbox(format!("cannot build an HTTP client: {err}")))
}

/// The consent page's form, as a browser would submit it after a press on Accept.
#[derive(Debug, Clone, PartialEq, Eq)]
struct ConsentForm {
    action: String,
    fields: Vec<(String, String)>,
}

impl ConsentForm {
    /// Read the first form: its action, its hidden fields and the Accept button's name and value.
    /// A deliberately small reader for a page we know, not an HTML parser.
    fn parse(html: &str) -> Option<ConsentForm> {
        let start = html.find("<form")?;
        let end = start + html[start..].find("</form>")?;
        let form = &html[start..end];
        let form_tag = &form[..form.find('>')?];
        let action = attribute(form_tag, "action").unwrap_or_default();
        let mut fields = Vec::new();
        let mut accept = None;
        for tag in form.split('<').skip(1) {
            let tag = tag.split('>').next().unwrap_or_default();
            if let Some(rest) = tag.strip_prefix("input") {
                if attribute(rest, "type").is_some_and(|t| t.eq_ignore_ascii_case("hidden"))
                    && let Some(name) = attribute(rest, "name")
                {
                    fields.push((name, attribute(rest, "value").unwrap_or_default()));
                }
            } else if let Some(rest) = tag.strip_prefix("button") {
                let value = attribute(rest, "value").unwrap_or_default();
                if value.eq_ignore_ascii_case("accept") || value.eq_ignore_ascii_case("allow") {
                    accept = attribute(rest, "name").map(|name| (name, value));
                }
            }
        }
        fields.push(accept?);
        Some(ConsentForm { action, fields })
    }
}

/// The value of `name="..."` in a tag's text, with HTML entities decoded.
fn attribute(tag: &str, name: &str) -> Option<String> {
    let needle = format!(" {name}=\"");
    let start = tag.find(&needle)? + needle.len();
    let end = start + tag[start..].find('"')?;
    Some(unescape(&tag[start..end]))
}

fn unescape(text: &str) -> String {
    text.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&#x27;", "'")
        .replace("&amp;", "&")
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn the_accept_press_submits_every_hidden_field() {
        let page = r#"<html><body><h1>Allow</h1>
            <form method="post" action="/oauth/v2/auth">
            <input type="hidden" name="client_id" value="1000.X">
            <input type="hidden" name="redirect_uri" value="http://127.0.0.1:1/cb?a=1&amp;b=2">
            <input type="hidden" name="state" value="&quot;s&quot;">
            <button type="submit" name="action" value="accept">Accept</button>
            <button type="submit" name="action" value="deny">Deny</button>
            </form></body></html>"#;
        let form = ConsentForm::parse(page).unwrap();
        assert_eq!(form.action, "/oauth/v2/auth");
        assert_eq!(
            form.fields,
            [
                ("client_id".to_owned(), "1000.X".to_owned()),
                (
                    "redirect_uri".to_owned(),
                    "http://127.0.0.1:1/cb?a=1&b=2".to_owned()
                ),
                ("state".to_owned(), "\"s\"".to_owned()),
                ("action".to_owned(), "accept".to_owned()),
            ]
        );
    }

    #[test]
    fn a_page_without_accept_is_not_a_consent_form() {
        assert_eq!(
            ConsentForm::parse("<form action=\"/x\"><button value=\"deny\"></button></form>"),
            None
        );
        assert_eq!(ConsentForm::parse("<p>error</p>"), None);
    }
}

//! `--sandbox`: start the Zoho sandbox in-process and connect the `default` connection to it
//! through the real authorization-code flow (consent page, Accept, redirect with the code), so the
//! first call works with nothing configured.

use zoho_core::{Connection, ConnectionConfig, Secret};
use zoho_sandbox::{ConsentForm, Sandbox, SandboxConfig};

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
    let consent_url = flows.start(connection).await?;
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
    zoho_core::__private::http_client(zoho_core::__private::DEFAULT_CONNECT_TIMEOUT)
        .map_err(|err| Error::Sandbox(format!("cannot build an HTTP client: {err}")))
}

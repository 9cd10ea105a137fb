//! Zoho Accounts: consent page, code, token, refresh, revoke, limits and token checks.

use std::time::Duration;

use serde_json::Value;
use zoho_sandbox::{CLIENT_ID, CLIENT_SECRET, SandboxConfig};

use crate::support::{self, TestResult, answer, client, config, env};

/// The hidden inputs of the consent form, in order.
fn hidden_inputs(html: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for part in html.split("<input type=\"hidden\" ").skip(1) {
        let attr = |name: &str| -> String {
            let key = format!("{name}=\"");
            part.split_once(&key)
                .and_then(|(_, rest)| rest.split_once('"'))
                .map(|(v, _)| {
                    v.replace("&amp;", "&")
                        .replace("&quot;", "\"")
                        .replace("&#39;", "'")
                        .replace("&lt;", "<")
                        .replace("&gt;", ">")
                })
                .unwrap_or_default()
        };
        out.push((attr("name"), attr("value")));
    }
    out
}

fn query_of(location: &str) -> Vec<(String, String)> {
    url::Url::parse(location)
        .map(|u| {
            u.query_pairs()
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect()
        })
        .unwrap_or_default()
}

fn param<'a>(pairs: &'a [(String, String)], name: &str) -> Option<&'a str> {
    pairs
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

#[tokio::test]
async fn consent_code_token_crm_call_and_refresh_after_expiry() -> TestResult {
    // crm.md §2.1 [H]: the browser flow; §2.2 [H]: the token endpoint; §2.5 [H]: access tokens expire.
    let sandbox = support::start(SandboxConfig {
        access_token_lifetime: Duration::from_secs(60),
        ..config(20)
    })
    .await?;
    let http = client();
    let base = sandbox.base_url().to_owned();
    let redirect = "http://127.0.0.1:9/callback";
    let page = http
        .get(format!("{base}/oauth/v2/auth"))
        .query(&[
            ("scope", "ZohoCRM.modules.ALL,ZohoCRM.settings.ALL"),
            ("client_id", CLIENT_ID),
            ("response_type", "code"),
            ("access_type", "offline"),
            ("prompt", "consent"),
            ("redirect_uri", redirect),
            ("state", "xyz & 1"),
        ])
        .send()
        .await?;
    assert_eq!(page.status(), 200);
    let html = page.text().await?;
    // The consent page is an HTML form with an Accept button.
    assert!(
        html.contains("<form method=\"post\" action=\"/oauth/v2/auth\">"),
        "{html}"
    );
    assert!(html.contains("value=\"accept\">Accept</button>"), "{html}");
    let mut form = hidden_inputs(&html);
    assert_eq!(param(&form, "state"), Some("xyz & 1"));
    form.push(("action".into(), "accept".into()));
    let accepted = http
        .post(format!("{base}/oauth/v2/auth"))
        .form(&form)
        .send()
        .await?;
    assert_eq!(accepted.status(), 302);
    let location = accepted.headers()["location"].to_str()?.to_owned();
    assert!(location.starts_with(redirect), "{location}");
    let back = query_of(&location);
    // crm.md §1 [H]: the redirect carries code, location, accounts-server and state.
    assert_eq!(param(&back, "state"), Some("xyz & 1"));
    assert_eq!(param(&back, "location"), Some("us"));
    assert_eq!(param(&back, "accounts-server"), Some(base.as_str()));
    let code = param(&back, "code").ok_or("no code")?.to_owned();

    // crm.md §2.2 [H]: params in the query string, as Zoho's docs show them.
    let tokens: Value = http
        .post(format!("{base}/oauth/v2/token"))
        .query(&[
            ("grant_type", "authorization_code"),
            ("client_id", CLIENT_ID),
            ("client_secret", CLIENT_SECRET),
            ("redirect_uri", redirect),
            ("code", code.as_str()),
        ])
        .send()
        .await?
        .json()
        .await?;
    assert_eq!(tokens["api_domain"], base.as_str());
    assert_eq!(tokens["token_type"], "Bearer");
    assert_eq!(tokens["expires_in"], 60);
    assert_eq!(tokens["scope"], "ZohoCRM.modules.ALL ZohoCRM.settings.ALL");
    let access = tokens["access_token"]
        .as_str()
        .ok_or("no access token")?
        .to_owned();
    let refresh = tokens["refresh_token"]
        .as_str()
        .ok_or("offline code gives a refresh token")?
        .to_owned();

    let call = |token: String| {
        let http = http.clone();
        let url = format!("{base}/crm/v3/settings/modules");
        async move {
            answer(
                http.get(url)
                    .header("Authorization", format!("Zoho-oauthtoken {token}"))
                    .send()
                    .await?,
            )
            .await
        }
    };
    let ok = call(access.clone()).await?;
    assert_eq!(ok.status, 200);
    // crm.md §7 [M]: X-ACCESSTOKEN-RESET gives the token's expiry time.
    let reset = ok.headers["x-accesstoken-reset"].to_str()?;
    assert!(reset.ends_with("+00:00"), "{reset}");
    assert!(ok.body["modules"].as_array().is_some_and(|m| m.len() == 5));

    sandbox.advance_clock(Duration::from_secs(61));
    let expired = call(access).await?;
    // crm.md §2.3 [H]: an expired token gets 401 INVALID_TOKEN "invalid oauth token".
    assert_eq!(expired.status, 401);
    assert_eq!(expired.body["code"], "INVALID_TOKEN");
    assert_eq!(expired.body["message"], "invalid oauth token");

    // crm.md §2.2 [H]: refresh with form params; the answer has no new refresh token.
    let refreshed: Value = http
        .post(format!("{base}/oauth/v2/token"))
        .form(&[
            ("grant_type", "refresh_token"),
            ("client_id", CLIENT_ID),
            ("client_secret", CLIENT_SECRET),
            ("refresh_token", refresh.as_str()),
        ])
        .send()
        .await?
        .json()
        .await?;
    assert!(refreshed.get("refresh_token").is_none(), "{refreshed}");
    let access = refreshed["access_token"]
        .as_str()
        .ok_or("no access token")?
        .to_owned();
    assert_eq!(call(access).await?.status, 200);

    let stats = sandbox.stats();
    assert_eq!(stats["token_grants"]["authorization_code"], 1);
    assert_eq!(stats["token_grants"]["refresh_token"], 1);
    Ok(())
}

#[tokio::test]
async fn token_errors_come_back_with_http_200() -> TestResult {
    // crm.md §2.2 [H]: errors are {"error": ...}, often with HTTP 200; codes are single use.
    let sandbox = support::start(config(5)).await?;
    let http = client();
    let base = sandbox.base_url().to_owned();
    let token = |params: Vec<(&'static str, String)>| {
        let http = http.clone();
        let url = format!("{base}/oauth/v2/token");
        async move { answer(http.post(url).form(&params).send().await?).await }
    };
    let (access, _) = support::self_client_tokens(&sandbox, &http, "ZohoCRM.modules.ALL").await?;
    assert!(!access.is_empty());

    let bad_client = token(vec![
        ("grant_type", "refresh_token".into()),
        ("client_id", "1000.NOPE".into()),
        ("client_secret", CLIENT_SECRET.into()),
        ("refresh_token", "x".into()),
    ])
    .await?;
    assert_eq!(
        (bad_client.status, bad_client.body["error"].as_str()),
        (200, Some("invalid_client"))
    );
    let bad_secret = token(vec![
        ("grant_type", "refresh_token".into()),
        ("client_id", CLIENT_ID.into()),
        ("client_secret", "wrong".into()),
        ("refresh_token", "x".into()),
    ])
    .await?;
    assert_eq!(bad_secret.body["error"], "invalid_client_secret");
    let bad_refresh = token(vec![
        ("grant_type", "refresh_token".into()),
        ("client_id", CLIENT_ID.into()),
        ("client_secret", CLIENT_SECRET.into()),
        ("refresh_token", "1000.unknown".into()),
    ])
    .await?;
    assert_eq!(
        (bad_refresh.status, bad_refresh.body["error"].as_str()),
        (200, Some("invalid_code"))
    );

    let code: Value = http
        .post(format!("{base}/__sandbox/self-client"))
        .form(&[("scope", "ZohoCRM.modules.ALL")])
        .send()
        .await?
        .json()
        .await?;
    let code = code["code"].as_str().ok_or("no code")?.to_owned();
    let exchange = vec![
        ("grant_type", "authorization_code".into()),
        ("client_id", CLIENT_ID.into()),
        ("client_secret", CLIENT_SECRET.into()),
        ("code", code),
    ];
    assert!(token(exchange.clone()).await?.body["access_token"].is_string());
    // The same code a second time.
    assert_eq!(token(exchange).await?.body["error"], "invalid_code");

    // crm.md §2.1 [H]: grant codes are short-lived (2 minutes).
    let code: Value = http
        .post(format!("{base}/__sandbox/self-client"))
        .form(&[("scope", "ZohoCRM.modules.ALL")])
        .send()
        .await?
        .json()
        .await?;
    sandbox.advance_clock(Duration::from_secs(121));
    let late = token(vec![
        ("grant_type", "authorization_code".into()),
        ("client_id", CLIENT_ID.into()),
        ("client_secret", CLIENT_SECRET.into()),
        ("code", code["code"].as_str().unwrap_or_default().into()),
    ])
    .await?;
    assert_eq!(late.body["error"], "invalid_code");
    Ok(())
}

#[tokio::test]
async fn redirect_uri_must_match_and_be_registered() -> TestResult {
    // crm.md §2.1 [H]: redirect_uri must match a registered URI (the sandbox registers loopback ones).
    let sandbox = support::start(config(5)).await?;
    let http = client();
    let base = sandbox.base_url().to_owned();
    let foreign = http
        .get(format!("{base}/oauth/v2/auth"))
        .query(&[
            ("scope", "ZohoCRM.modules.ALL"),
            ("client_id", CLIENT_ID),
            ("response_type", "code"),
            ("redirect_uri", "https://evil.example/cb"),
        ])
        .send()
        .await?;
    assert_eq!(foreign.status(), 400);
    assert!(foreign.text().await?.contains("invalid_redirect_uri"));

    let form = [
        ("scope", "ZohoCRM.modules.ALL"),
        ("client_id", CLIENT_ID),
        ("response_type", "code"),
        ("redirect_uri", "http://localhost:1/cb"),
        ("state", "s1"),
        ("action", "deny"),
    ];
    let denied = http
        .post(format!("{base}/oauth/v2/auth"))
        .form(&form)
        .send()
        .await?;
    let back = query_of(denied.headers()["location"].to_str()?);
    assert_eq!(param(&back, "error"), Some("access_denied"));
    assert_eq!(param(&back, "state"), Some("s1"));

    let mut accept = form;
    accept[5] = ("action", "accept");
    let accepted = http
        .post(format!("{base}/oauth/v2/auth"))
        .form(&accept)
        .send()
        .await?;
    let back = query_of(accepted.headers()["location"].to_str()?);
    let code = param(&back, "code").ok_or("no code")?;
    let wrong = http
        .post(format!("{base}/oauth/v2/token"))
        .form(&[
            ("grant_type", "authorization_code"),
            ("client_id", CLIENT_ID),
            ("client_secret", CLIENT_SECRET),
            ("redirect_uri", "http://localhost:2/other"),
            ("code", code),
        ])
        .send()
        .await?;
    let wrong: Value = wrong.json().await?;
    assert_eq!(wrong["error"], "invalid_redirect_uri");
    Ok(())
}

#[tokio::test]
async fn eleventh_token_in_ten_minutes_is_access_denied() -> TestResult {
    // crm.md §2.5 [H]: up to 10 access tokens per refresh token per 10 minutes; §2.2: "Access Denied".
    let sandbox = support::start(config(5)).await?;
    let http = client();
    let base = sandbox.base_url().to_owned();
    let (_, refresh) = support::self_client_tokens(&sandbox, &http, "ZohoCRM.modules.ALL").await?;
    let form = [
        ("grant_type", "refresh_token"),
        ("client_id", CLIENT_ID),
        ("client_secret", CLIENT_SECRET),
        ("refresh_token", refresh.as_str()),
    ];
    // The code exchange minted the first; nine refreshes make ten.
    for _ in 0..9 {
        let ok = answer(
            http.post(format!("{base}/oauth/v2/token"))
                .form(&form)
                .send()
                .await?,
        )
        .await?;
        assert!(ok.body["access_token"].is_string(), "{}", ok.body);
    }
    let denied = answer(
        http.post(format!("{base}/oauth/v2/token"))
            .form(&form)
            .send()
            .await?,
    )
    .await?;
    assert_eq!(denied.status, 400, "the configured throttle status");
    assert_eq!(denied.body["error"], "Access Denied");
    assert_eq!(denied.body["status"], "failure");
    sandbox.advance_clock(Duration::from_secs(601));
    let again = answer(
        http.post(format!("{base}/oauth/v2/token"))
            .form(&form)
            .send()
            .await?,
    )
    .await?;
    assert!(again.body["access_token"].is_string());
    Ok(())
}

#[tokio::test]
async fn revoking_a_refresh_token_revokes_its_access_tokens() -> TestResult {
    // crm.md §2.4 [H]: revoke returns {"status":"success"} and also revokes the access tokens.
    let e = env(5).await?;
    assert_eq!(e.get("/crm/v3/settings/modules").await?.status, 200);
    let revoked = answer(
        e.http
            .post(e.url("/oauth/v2/token/revoke"))
            .query(&[("token", e.refresh.as_str())])
            .send()
            .await?,
    )
    .await?;
    assert_eq!(
        (revoked.status, &revoked.body),
        (200, &serde_json::json!({"status": "success"}))
    );
    let after = e.get("/crm/v3/settings/modules").await?;
    assert_eq!(
        (after.status, after.body["code"].as_str()),
        (401, Some("INVALID_TOKEN"))
    );
    let again = answer(
        e.http
            .post(e.url("/oauth/v2/token/revoke"))
            .form(&[("token", e.refresh.as_str())])
            .send()
            .await?,
    )
    .await?;
    assert_eq!(again.status, 400);
    Ok(())
}

#[tokio::test]
async fn missing_header_and_wrong_scheme_are_authentication_failures() -> TestResult {
    // crm.md §2.3 [M]: no or garbled header gives 401 AUTHENTICATION_FAILURE; the scheme is Zoho-oauthtoken.
    let e = env(5).await?;
    let none = answer(
        e.http
            .get(e.url("/crm/v3/Leads?fields=Last_Name"))
            .send()
            .await?,
    )
    .await?;
    assert_eq!(
        (none.status, none.body["code"].as_str()),
        (401, Some("AUTHENTICATION_FAILURE"))
    );
    let bearer = answer(
        e.http
            .get(e.url("/crm/v3/Leads?fields=Last_Name"))
            .bearer_auth(&e.token)
            .send()
            .await?,
    )
    .await?;
    assert_eq!(
        (bearer.status, bearer.body["code"].as_str()),
        (401, Some("AUTHENTICATION_FAILURE"))
    );
    Ok(())
}

#[tokio::test]
async fn scopes_are_checked_per_module_and_operation() -> TestResult {
    // crm.md §2.3 [H]: wrong scope gets 401 OAUTH_SCOPE_MISMATCH; books.md §8 [M]: Books answers code 57.
    let e = support::env_with(config(10), "ZohoCRM.modules.Leads.READ").await?;
    assert_eq!(e.get("/crm/v3/Leads?fields=Last_Name").await?.status, 200);
    let write = e
        .post(
            "/crm/v3/Leads",
            &serde_json::json!({"data": [{"Last_Name": "X"}]}),
        )
        .await?;
    assert_eq!(
        (write.status, write.body["code"].as_str()),
        (401, Some("OAUTH_SCOPE_MISMATCH"))
    );
    let other = e.get("/crm/v3/Contacts?fields=Last_Name").await?;
    assert_eq!(other.body["code"], "OAUTH_SCOPE_MISMATCH");
    let settings = e.get("/crm/v3/settings/fields?module=Leads").await?;
    assert_eq!(settings.body["code"], "OAUTH_SCOPE_MISMATCH");
    let books = e.get("/books/v3/contacts?organization_id=10234695").await?;
    assert_eq!((books.status, books.body["code"].as_i64()), (401, Some(57)));
    Ok(())
}

#[tokio::test]
async fn online_access_gives_no_refresh_token() -> TestResult {
    // crm.md §2.1 [H]: access_type online (the default) returns no refresh token.
    let sandbox = support::start(config(5)).await?;
    let http = client();
    let base = sandbox.base_url().to_owned();
    let redirect = "http://127.0.0.1:9/cb";
    let form = [
        ("scope", "ZohoCRM.modules.ALL"),
        ("client_id", CLIENT_ID),
        ("response_type", "code"),
        ("redirect_uri", redirect),
        ("action", "accept"),
    ];
    let accepted = http
        .post(format!("{base}/oauth/v2/auth"))
        .form(&form)
        .send()
        .await?;
    let back = query_of(accepted.headers()["location"].to_str()?);
    let code = param(&back, "code").ok_or("no code")?;
    let tokens: Value = http
        .post(format!("{base}/oauth/v2/token"))
        .form(&[
            ("grant_type", "authorization_code"),
            ("client_id", CLIENT_ID),
            ("client_secret", CLIENT_SECRET),
            ("redirect_uri", redirect),
            ("code", code),
        ])
        .send()
        .await?
        .json()
        .await?;
    assert!(tokens["access_token"].is_string());
    assert!(tokens.get("refresh_token").is_none(), "{tokens}");
    Ok(())
}

#[tokio::test]
async fn the_sixteenth_access_token_invalidates_the_oldest() -> TestResult {
    // crm.md §2.5 [M]: 15 active access tokens per refresh token.
    let sandbox = support::start(SandboxConfig {
        token_mint_limit: None,
        ..config(5)
    })
    .await?;
    let http = client();
    let base = sandbox.base_url().to_owned();
    let (first, refresh) =
        support::self_client_tokens(&sandbox, &http, "ZohoCRM.settings.ALL").await?;
    let works = |token: String| {
        let (http, url) = (http.clone(), format!("{base}/crm/v3/settings/modules"));
        async move {
            Ok::<u16, reqwest::Error>(
                http.get(url)
                    .header("Authorization", format!("Zoho-oauthtoken {token}"))
                    .send()
                    .await?
                    .status()
                    .as_u16(),
            )
        }
    };
    let form = [
        ("grant_type", "refresh_token"),
        ("client_id", CLIENT_ID),
        ("client_secret", CLIENT_SECRET),
        ("refresh_token", refresh.as_str()),
    ];
    let mut second = String::new();
    for n in 0..14 {
        let answer: Value = http
            .post(format!("{base}/oauth/v2/token"))
            .form(&form)
            .send()
            .await?
            .json()
            .await?;
        if n == 0 {
            second = answer["access_token"]
                .as_str()
                .unwrap_or_default()
                .to_owned();
        }
    }
    assert_eq!(works(first.clone()).await?, 200, "15 tokens are alive");
    http.post(format!("{base}/oauth/v2/token"))
        .form(&form)
        .send()
        .await?;
    assert_eq!(works(first).await?, 401, "the 16th invalidated the oldest");
    assert_eq!(works(second).await?, 200);
    Ok(())
}

#[tokio::test]
async fn the_twenty_first_refresh_token_deletes_the_oldest() -> TestResult {
    // crm.md §2.5 [H]: 20 refresh tokens per client; the 21st deletes the oldest with its access tokens.
    let sandbox = support::start(SandboxConfig {
        grant_code_limit: None,
        ..config(5)
    })
    .await?;
    let http = client();
    let base = sandbox.base_url().to_owned();
    let (oldest_access, oldest) =
        support::self_client_tokens(&sandbox, &http, "ZohoCRM.settings.ALL").await?;
    for _ in 0..19 {
        support::self_client_tokens(&sandbox, &http, "ZohoCRM.settings.ALL").await?;
    }
    let refresh = |token: String| {
        let (http, url) = (http.clone(), format!("{base}/oauth/v2/token"));
        async move {
            let form = [
                ("grant_type", "refresh_token"),
                ("client_id", CLIENT_ID),
                ("client_secret", CLIENT_SECRET),
                ("refresh_token", token.as_str()),
            ];
            http.post(url)
                .form(&form)
                .send()
                .await?
                .json::<Value>()
                .await
        }
    };
    assert!(refresh(oldest.clone()).await?["access_token"].is_string());
    support::self_client_tokens(&sandbox, &http, "ZohoCRM.settings.ALL").await?;
    assert_eq!(refresh(oldest).await?["error"], "invalid_code");
    let old_call = http
        .get(format!("{base}/crm/v3/settings/modules"))
        .header("Authorization", format!("Zoho-oauthtoken {oldest_access}"))
        .send()
        .await?;
    assert_eq!(old_call.status(), 401);
    Ok(())
}

#[tokio::test]
async fn client_credentials_need_soid_and_give_no_refresh_token() -> TestResult {
    // crm.md §2.2 [H]: grant_type=client_credentials with scope and soid; missing_org_info without soid.
    let sandbox = support::start(config(5)).await?;
    let http = client();
    let url = format!("{}/oauth/v2/token", sandbox.base_url());
    let mut form = vec![
        ("grant_type", "client_credentials"),
        ("client_id", CLIENT_ID),
        ("client_secret", CLIENT_SECRET),
        ("scope", "ZohoCRM.settings.ALL"),
    ];
    let missing: Value = http.post(&url).form(&form).send().await?.json().await?;
    assert_eq!(missing["error"], "missing_org_info");
    form.push(("soid", "ZohoCRM.10234695"));
    let tokens: Value = http.post(&url).form(&form).send().await?.json().await?;
    assert!(tokens["access_token"].is_string());
    assert!(tokens.get("refresh_token").is_none());
    assert_eq!(sandbox.stats()["token_grants"]["client_credentials"], 1);
    Ok(())
}

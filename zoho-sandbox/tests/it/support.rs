//! Shared helpers: start a sandbox, get a token the way a script would, send requests.

use serde_json::Value;
use zoho_sandbox::{CLIENT_ID, CLIENT_SECRET, Sandbox, SandboxConfig};

pub const ALL_SCOPES: &str =
    "ZohoCRM.modules.ALL,ZohoCRM.settings.ALL,ZohoCRM.coql.READ,ZohoBooks.fullaccess.all";

pub type TestResult = Result<(), Box<dyn std::error::Error>>;

/// A running sandbox, a client and an access token.
pub struct Env {
    pub sandbox: Sandbox,
    pub http: reqwest::Client,
    pub token: String,
    pub refresh: String,
}

/// An HTTP answer: status, headers and the body parsed as JSON (`Null` when empty or not JSON).
pub struct Answer {
    pub status: u16,
    pub headers: reqwest::header::HeaderMap,
    pub body: Value,
    pub bytes: Vec<u8>,
}

pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap_or_default()
}

pub fn config(records: usize) -> SandboxConfig {
    SandboxConfig {
        records,
        seed: 42,
        ..SandboxConfig::default()
    }
}

pub async fn start(config: SandboxConfig) -> Result<Sandbox, zoho_sandbox::Error> {
    Sandbox::start(config).await
}

/// Exchanges a self-client code for tokens: (access, refresh).
pub async fn self_client_tokens(
    sandbox: &Sandbox,
    http: &reqwest::Client,
    scopes: &str,
) -> Result<(String, String), Box<dyn std::error::Error>> {
    let code: Value = http
        .post(format!("{}/__sandbox/self-client", sandbox.base_url()))
        .form(&[("scope", scopes)])
        .send()
        .await?
        .json()
        .await?;
    let code = code["code"].as_str().ok_or("no code")?.to_owned();
    let tokens: Value = http
        .post(format!("{}/oauth/v2/token", sandbox.base_url()))
        .form(&[
            ("grant_type", "authorization_code"),
            ("client_id", CLIENT_ID),
            ("client_secret", CLIENT_SECRET),
            ("code", code.as_str()),
        ])
        .send()
        .await?
        .json()
        .await?;
    let access = tokens["access_token"]
        .as_str()
        .ok_or("no access token")?
        .to_owned();
    let refresh = tokens["refresh_token"]
        .as_str()
        .ok_or("no refresh token")?
        .to_owned();
    Ok((access, refresh))
}

pub async fn env_with(
    config: SandboxConfig,
    scopes: &str,
) -> Result<Env, Box<dyn std::error::Error>> {
    let sandbox = start(config).await?;
    let http = client();
    let (token, refresh) = self_client_tokens(&sandbox, &http, scopes).await?;
    Ok(Env {
        sandbox,
        http,
        token,
        refresh,
    })
}

pub async fn env(records: usize) -> Result<Env, Box<dyn std::error::Error>> {
    env_with(config(records), ALL_SCOPES).await
}

pub async fn answer(response: reqwest::Response) -> Result<Answer, reqwest::Error> {
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let bytes = response.bytes().await?.to_vec();
    let body = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    Ok(Answer {
        status,
        headers,
        body,
        bytes,
    })
}

impl Env {
    /// Trades the refresh token for a new access token (after the clock moved past expiry).
    pub async fn renew(&mut self) -> Result<(), Box<dyn std::error::Error>> {
        let tokens: Value = self
            .http
            .post(self.url("/oauth/v2/token"))
            .form(&[
                ("grant_type", "refresh_token"),
                ("client_id", CLIENT_ID),
                ("client_secret", CLIENT_SECRET),
                ("refresh_token", self.refresh.as_str()),
            ])
            .send()
            .await?
            .json()
            .await?;
        self.token = tokens["access_token"]
            .as_str()
            .ok_or("no access token")?
            .to_owned();
        Ok(())
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.sandbox.base_url(), path)
    }

    pub fn request(&self, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
        self.http
            .request(method, self.url(path))
            .header("Authorization", format!("Zoho-oauthtoken {}", self.token))
    }

    pub async fn get(&self, path: &str) -> Result<Answer, reqwest::Error> {
        answer(self.request(reqwest::Method::GET, path).send().await?).await
    }

    pub async fn post(&self, path: &str, body: &Value) -> Result<Answer, reqwest::Error> {
        answer(
            self.request(reqwest::Method::POST, path)
                .json(body)
                .send()
                .await?,
        )
        .await
    }

    pub async fn put(&self, path: &str, body: &Value) -> Result<Answer, reqwest::Error> {
        answer(
            self.request(reqwest::Method::PUT, path)
                .json(body)
                .send()
                .await?,
        )
        .await
    }

    pub async fn delete(&self, path: &str) -> Result<Answer, reqwest::Error> {
        answer(self.request(reqwest::Method::DELETE, path).send().await?).await
    }

    pub async fn coql(&self, version: &str, query: &str) -> Result<Answer, reqwest::Error> {
        self.post(
            &format!("/crm/{version}/coql"),
            &serde_json::json!({ "select_query": query }),
        )
        .await
    }
}

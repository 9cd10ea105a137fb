//! A zoho-server running in-process on a fresh sandbox, reached over real HTTP on loopback.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use serde_json::{Value, json};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use zoho_core::{Connection, ConnectionConfig, Secret};
use zoho_sandbox::{Sandbox, SandboxConfig};
use zoho_server::Error;
use zoho_server::actions::Actions;
use zoho_server::connections::Connections;
use zoho_server::http::App;
use zoho_server::rpc::{Limits, Rpc};
use zoho_server::server::Server;

/// A connection configured against the sandbox and never authorized.
pub const UNAUTHORIZED: &str = "fresh";

/// The server and its sandbox.
pub struct Running {
    pub sandbox: Sandbox,
    pub addr: SocketAddr,
    http: reqwest::Client,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<Result<(), Error>>>,
}

impl Running {
    /// Start a sandbox seeding `records` Leads and a server whose `default` connection is
    /// authorized through the code flow and whose `fresh` connection is not.
    pub async fn start(records: usize) -> Running {
        Running::start_with(records, Limits::default()).await
    }

    /// As [`Running::start`], with these limits.
    pub async fn start_with(records: usize, limits: Limits) -> Running {
        let config = SandboxConfig {
            records,
            ..SandboxConfig::default()
        };
        let (sandbox, default) = zoho_server::sandbox::start(config).await.unwrap();
        let http = zoho_core::HttpClient::standard().unwrap();
        let mut connections = Connections::new();
        connections.insert(default, &http).unwrap();
        let fresh = Connection::new(
            UNAUTHORIZED,
            ConnectionConfig::at_base_url(zoho_sandbox::CLIENT_ID, sandbox.base_url()),
            Secret::new(zoho_sandbox::CLIENT_SECRET),
        )
        .unwrap();
        connections.insert(fresh, &http).unwrap();

        let server = Server::bind("127.0.0.1:0".parse().unwrap(), None)
            .await
            .unwrap();
        let addr = server.local_addr();
        let flows = Arc::new(connections.oauth_flows(&format!("http://{addr}/oauth/callback")));
        let app = App {
            rpc: Rpc::new(Arc::new(Actions::new(Arc::new(connections))), limits),
            api_key: None,
            oauth: Some(flows.clone()),
            events: None,
        };
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(server.serve(
            app,
            async {
                let _ = stopped.await;
            },
            Duration::from_secs(10),
        ));
        zoho_server::sandbox::authorize(&flows, "default", true)
            .await
            .unwrap();
        Running {
            sandbox,
            addr,
            http: http.reqwest().clone(),
            stop: Some(stop),
            task: Some(task),
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// POST a raw body to /rpc.
    pub async fn post(&self, body: impl Into<reqwest::Body>) -> reqwest::Response {
        self.http
            .post(self.url("/rpc"))
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await
            .unwrap()
    }

    /// Call `method` and return the whole response object.
    pub async fn call(&self, method: &str, params: Value) -> Value {
        let body = json!({"jsonrpc": "2.0", "id": 1, "method": method, "params": params});
        let response = self.post(body.to_string()).await;
        assert_eq!(response.status(), 200);
        response.json().await.unwrap()
    }

    /// Call `method`, expecting success; the result.
    pub async fn ok(&self, method: &str, params: Value) -> Value {
        let answer = self.call(method, params).await;
        assert!(answer.get("error").is_none(), "{method} failed: {answer:#}");
        answer["result"].clone()
    }

    /// Call `method`, expecting failure; the error object.
    pub async fn err(&self, method: &str, params: Value) -> Value {
        let answer = self.call(method, params).await;
        assert!(
            answer.get("result").is_none(),
            "{method} should have failed: {answer:#}"
        );
        answer["error"].clone()
    }

    /// Set the sandbox's faults through its own admin route, as a test of a real deployment would.
    pub async fn faults(&self, faults: Value) {
        let answer = self
            .http
            .post(format!("{}/__sandbox/faults", self.sandbox.base_url()))
            .json(&faults)
            .send()
            .await
            .unwrap();
        assert!(
            answer.status().is_success(),
            "faults refused: {}",
            answer.text().await.unwrap()
        );
    }

    pub async fn shut_down(mut self) -> Result<(), Error> {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        match self.task.take() {
            Some(task) => task.await.unwrap(),
            None => Ok(()),
        }
    }
}

//! Test doubles: a client source that records which connection was asked for, and a client
//! on an httpmock server.

use std::sync::{Arc, Mutex};

use zoho_core::{AccessToken, Client, ClientSource, Error, Secret, StaticToken};

/// Answers every `client` call with a configuration error naming the connection asked for,
/// so a dispatch test sees which arm ran and which connection it picked, with no network.
#[derive(Default)]
pub struct NoClients {
    pub asked: Mutex<Vec<Option<String>>>,
}

impl ClientSource for NoClients {
    fn client(&self, connection: Option<&str>) -> Result<&Client, Error> {
        self.asked
            .lock()
            .unwrap()
            .push(connection.map(str::to_owned));
        Err(Error::Config(format!("no client for {connection:?}")))
    }
}

/// A client whose API base is `base` (an httpmock server on loopback), with a fixed token.
pub fn client_at(base: &str) -> Client {
    let token = AccessToken {
        token: Secret::new("test-token"),
        api_domain: base.to_owned(),
    };
    Client::builder("default")
        .token_source(Arc::new(StaticToken(token)))
        .api_base(base)
        .build()
        .unwrap()
}

/// As [`client_at`], with a Books organization configured.
pub fn books_client_at(base: &str) -> Client {
    let token = AccessToken {
        token: Secret::new("test-token"),
        api_domain: base.to_owned(),
    };
    Client::builder("default")
        .token_source(Arc::new(StaticToken(token)))
        .api_base(base)
        .books_organization_id("10234695")
        .build()
        .unwrap()
}

//! Everything a running sandbox holds, shared by all connections.

use std::sync::RwLock;
use std::sync::atomic::{AtomicU32, Ordering};

use serde_json::json;

use crate::accounts::Accounts;
use crate::books::Books;
use crate::clock::Clock;
use crate::config::SandboxConfig;
use crate::crm::Crm;
use crate::faults::{Faults, Injected};
use crate::http::Reply;
use crate::request_log::RequestLog;
use crate::stats::Stats;

/// The shared state; each part locks on its own.
#[derive(Debug)]
pub(crate) struct State {
    pub config: SandboxConfig,
    pub base_url: String,
    pub clock: Clock,
    pub faults: RwLock<Faults>,
    pub stats: Stats,
    pub accounts: Accounts,
    pub crm: Crm,
    pub books: Books,
    pub log: Option<RequestLog>,
    /// Token-endpoint requests still to answer 502 (`fail_next_token_requests`).
    pub token_failures: AtomicU32,
}

/// Which product answers, for the shape of injected errors.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Product {
    Accounts,
    Crm,
    Books,
}

impl State {
    /// The faults now in force.
    pub(crate) fn faults(&self) -> Faults {
        self.faults
            .read()
            .map(|f| *f)
            .unwrap_or_else(|poisoned| *poisoned.into_inner())
    }

    /// Whether this token-endpoint request is one of the `fail_next_token_requests`.
    pub(crate) fn token_request_fails(&self) -> bool {
        self.token_failures
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |left| {
                left.checked_sub(1)
            })
            .is_ok()
    }

    /// Waits the configured latency, then maybe answers in place of the handler: a dropped
    /// connection, a 5xx or a 429 in the product's own shape.
    pub(crate) async fn inject(&self, route: &'static str, product: Product) -> Option<Reply> {
        let faults = self.faults();
        if !faults.latency.is_zero() {
            tokio::time::sleep(faults.latency).await;
        }
        let rolled = if faults.only_route.is_none_or(|only| only == route) {
            faults.roll()
        } else {
            Injected::None
        };
        match rolled {
            Injected::None => None,
            Injected::Reset => Some(Reply::reset(route)),
            Injected::Stall => {
                // Accepted, never answered: the client's timeout is what ends it.
                std::future::pending::<()>().await;
                None
            }
            Injected::ServerError(status) => Some(server_error(route, product, status)),
            Injected::RateLimited => Some(match product {
                Product::Books => crate::books::errors::per_minute_limit(route),
                _ => crate::crm::errors::too_many_requests(route),
            }),
        }
    }
}

fn server_error(route: &'static str, product: Product, status: u16) -> Reply {
    if status != 500 {
        let text = if status == 502 {
            "Bad Gateway"
        } else {
            "Service Unavailable"
        };
        return Reply::bytes(
            route,
            status,
            "text/html",
            format!("<html><body><h1>{status} {text}</h1></body></html>"),
        );
    }
    match product {
        // books.md §6: code 1000 "Internal error".
        Product::Books => Reply::json(
            route,
            500,
            &json!({"code": 1000, "message": "Internal error"}),
        ),
        // crm.md §6.2: INTERNAL_ERROR.
        _ => Reply::json(
            route,
            500,
            &json!({"code": "INTERNAL_ERROR", "details": {}, "message": "Internal Server Error", "status": "error"}),
        ),
    }
}

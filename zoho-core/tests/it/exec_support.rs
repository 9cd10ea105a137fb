//! Helpers for the execution tests: a client on an httpmock server with a fixed or rotating token.

use std::sync::Arc;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use httpmock::MockServer;
use zoho_core::BoxFuture;
use zoho_core::{
    AccessToken, ActionRequest, Client, Error, Method, PathSegment, Product, RecordRef,
    RequestPath, ResultShape, Secret, StaticToken, TokenSource,
};

/// A token shaped like Zoho's, so redaction by shape is exercised too.
pub const TOKEN: &str = "1000.5f0c2a7e9b1d4c3a8e6f0b2d4a6c8e0f.1a2b3c4d5e6f708192a3b4c5d6e7f809";

pub fn static_token(api_domain: &str) -> Arc<dyn TokenSource> {
    Arc::new(StaticToken(AccessToken {
        token: Secret::new(TOKEN),
        api_domain: api_domain.into(),
    }))
}

/// A client whose token's `api_domain` is the mock server.
pub fn client(server: &MockServer) -> Client {
    Client::builder("default")
        .token_source(static_token(&server.base_url()))
        .build()
        .expect("valid client")
}

/// A template segment from an input.
pub fn value(input: &'static str, value: &str) -> PathSegment {
    PathSegment::Value {
        input,
        value: value.into(),
    }
}

pub fn request(
    product: Product,
    method: Method,
    segments: Vec<PathSegment>,
    result: ResultShape,
) -> ActionRequest {
    let mut req = ActionRequest::new(
        "test.action",
        product,
        method,
        RequestPath::Segments(segments),
    );
    req.result = result;
    req
}

pub fn raw(product: Product, method: Method, url: &str) -> ActionRequest {
    ActionRequest::new(
        "test.rawRequest",
        product,
        method,
        RequestPath::Raw(url.into()),
    )
}

pub fn record(record_type: &str, record_id: &str) -> Option<RecordRef> {
    Some(RecordRef {
        record_type: record_type.into(),
        record_id: record_id.into(),
    })
}

/// A token source that hands out `token-1`, then `token-2` after a rejection, and counts rejections.
#[derive(Debug)]
pub struct RotatingToken {
    api_domain: String,
    generation: Mutex<u32>,
    pub rejections: AtomicUsize,
}

impl RotatingToken {
    pub fn new(api_domain: &str) -> Arc<Self> {
        Arc::new(RotatingToken {
            api_domain: api_domain.into(),
            generation: Mutex::new(1),
            rejections: AtomicUsize::new(0),
        })
    }

    fn current(&self) -> AccessToken {
        let generation = *self.generation.lock().expect("lock");
        AccessToken {
            token: Secret::new(format!("token-{generation}")),
            api_domain: self.api_domain.clone(),
        }
    }
}

impl TokenSource for RotatingToken {
    fn access_token(&self) -> BoxFuture<'_, Result<AccessToken, Error>> {
        Box::pin(async move { Ok(self.current()) })
    }

    fn token_rejected<'a>(
        &'a self,
        rejected: &'a AccessToken,
    ) -> BoxFuture<'a, Result<AccessToken, Error>> {
        Box::pin(async move {
            self.rejections.fetch_add(1, Ordering::SeqCst);
            {
                let mut generation = self.generation.lock().expect("lock");
                if rejected.token.expose() == format!("token-{generation}") {
                    *generation += 1;
                }
            }
            Ok(self.current())
        })
    }
}

//! The seam between the JSON-RPC layer and what runs a method: the server calls a [`Dispatcher`],
//! so the transport can be tested with a stand-in and the real actions plug in behind it.

use std::future::Future;
use std::pin::Pin;

use serde_json::{Map, Value};

use crate::jsonrpc::ErrorObject;

/// A boxed, sendable future, so [`Dispatcher`] stays object-safe.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// Runs one method with its named params.
pub trait Dispatcher: Send + Sync + 'static {
    /// Run `method`. An unknown method is `-32601`, params that do not fit are `-32602`.
    fn call<'a>(
        &'a self,
        method: &'a str,
        params: Map<String, Value>,
    ) -> BoxFuture<'a, Result<Value, ErrorObject>>;
}

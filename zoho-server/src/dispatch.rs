//! The seam between the JSON-RPC layer and what runs a method: the server calls a [`Dispatcher`],
//! so the transport can be tested with a stand-in and the real actions plug in behind it.

use std::future::Future;
use std::pin::Pin;

use serde_json::value::RawValue;
use serde_json::{Map, Value};

use crate::jsonrpc::ErrorObject;

/// A boxed, sendable future, so [`Dispatcher`] stays object-safe.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// A method's result: JSON built here, or JSON text passed on as it came (a record as Zoho
/// wrote it), which the answer embeds without parsing it again.
#[derive(Debug, Clone)]
pub enum Output {
    /// A result built as a value.
    Value(Value),
    /// A result that is already JSON text.
    Raw(Box<RawValue>),
}

impl Output {
    /// The result as a value (parsing the text of [`Output::Raw`]).
    pub fn into_value(self) -> Result<Value, serde_json::Error> {
        match self {
            Output::Value(value) => Ok(value),
            Output::Raw(raw) => serde_json::from_str(raw.get()),
        }
    }
}

/// Runs one method with its named params.
pub trait Dispatcher: Send + Sync + 'static {
    /// Run `method`. An unknown method is `-32601`, params that do not fit are `-32602`.
    fn call<'a>(
        &'a self,
        method: &'a str,
        params: Map<String, Value>,
    ) -> BoxFuture<'a, Result<Value, ErrorObject>>;

    /// As [`Dispatcher::call`], for an answer written as JSON text at once: a dispatcher that
    /// holds its result as JSON text already returns it so, unparsed. The same JSON either way.
    fn call_output<'a>(
        &'a self,
        method: &'a str,
        params: Map<String, Value>,
    ) -> BoxFuture<'a, Result<Output, ErrorObject>> {
        Box::pin(async move { self.call(method, params).await.map(Output::Value) })
    }
}

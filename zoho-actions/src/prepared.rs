//! A dispatched call before it is sent: the request as data and the connection it names.

use std::pin::Pin;

use futures::Stream;
use serde_json::Value;
use zoho_core::{ActionRequest, ClientSource, Error};

use crate::DispatchError;

/// What [`crate::prepare`] makes of a method name and its params.
#[derive(Debug, Clone, PartialEq)]
pub struct Prepared {
    /// The HTTP call, as data.
    pub request: ActionRequest,
    /// The connection the `connection` param names (`None`: the default one).
    pub connection: Option<String>,
}

/// The records of a list action, one at a time.
pub type RecordStream<'a> = Pin<Box<dyn Stream<Item = Result<Value, Error>> + Send + 'a>>;

/// Stream the records of a prepared list call on the client its connection names.
pub fn record_stream<'a>(
    prepared: Prepared,
    clients: &'a dyn ClientSource,
) -> Result<RecordStream<'a>, DispatchError> {
    if !prepared.request.result.streams_records() {
        return Err(DispatchError::Action(Error::InvalidInput {
            field: "method".into(),
            reason: format!(
                "`{}` does not list records; streaming works for the methods that list records (crm.getRecords, crm.searchRecords, books.getRecords, ...)",
                prepared.request.action
            ),
        }));
    }
    let client = clients.client(prepared.connection.as_deref())?;
    Ok(Box::pin(client.records(prepared.request)))
}

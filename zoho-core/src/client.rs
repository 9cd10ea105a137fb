//! The client that sends [`ActionRequest`]s for one connection.
//!
//! PLACEHOLDER: the signatures here are the contract the generated actions and the server build
//! on; the bodies are being written in the zoho-core issue.

use futures::Stream;
use serde_json::Value;

use crate::{ActionRequest, Error};

/// Sends requests for one named connection: holds its tokens, base URLs and limits.
/// Cheap to clone; clones share the token cache.
#[derive(Debug, Clone)]
pub struct Client {
    name: String,
}

impl Client {
    /// The connection's name (`default`).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Send one request and shape its result as `req.result` says.
    /// With `req.paging.fetch_all`, follows every page and returns all records in one result.
    pub async fn execute(&self, req: ActionRequest) -> Result<Value, Error> {
        let _ = req;
        Err(Error::Internal("not implemented yet".into()))
    }

    /// The records of a list request, one at a time, following pages as `req.paging` says;
    /// holds one page in memory at a time.
    pub fn records(&self, req: ActionRequest) -> impl Stream<Item = Result<Value, Error>> + Send + '_ {
        let _ = req;
        futures::stream::empty()
    }
}

/// Where dispatch finds the client for a call's `connection` input.
pub trait ClientSource: Send + Sync {
    /// The client for `connection`, or the default one for `None`.
    /// An unknown name is [`Error::InvalidInput`] on field `connection`.
    fn client(&self, connection: Option<&str>) -> Result<&Client, Error>;
}

impl ClientSource for Client {
    fn client(&self, connection: Option<&str>) -> Result<&Client, Error> {
        match connection {
            None => Ok(self),
            Some(name) if name == self.name => Ok(self),
            Some(name) => Err(Error::InvalidInput {
                field: "connection".into(),
                reason: format!("unknown connection `{name}`; this client is `{}`", self.name),
            }),
        }
    }
}

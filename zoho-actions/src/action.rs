//! What every generated action is: the [`Action`] trait, whose provided `execute` sends the
//! request the action describes; [`ListAction`] adds `records` for list actions. Written once
//! here, so the generated code only says what differs per action.

use std::future::Future;

use futures::{Stream, StreamExt};
use serde::de::DeserializeOwned;
use zoho_core::{ActionRequest, Client, Error};

use crate::output::{self, Record};

/// One action of the spec: its input struct, the HTTP call it describes and its typed result.
///
/// ```no_run
/// use zoho_actions::{Action, crm};
/// # async fn demo(client: &zoho_core::Client) -> Result<(), zoho_core::Error> {
/// let lead = crm::GetRecord::new("Leads", "4150868000000002175").execute(client).await?;
/// println!("{}", lead.get_str("Last_Name").unwrap_or_default());
/// # Ok(()) }
/// ```
pub trait Action: Sync {
    /// The JSON-RPC method name (`crm.getRecords`).
    const METHOD: &'static str;

    /// What a successful call returns, typed (see [`crate::output`]); raw requests return the
    /// JSON as Zoho sent it.
    type Output: DeserializeOwned + Send;

    /// The HTTP call this action makes, as data; checks the inputs the types cannot.
    fn to_request(&self) -> Result<ActionRequest, Error>;

    /// The connection the action's `connection` input names; `None` is the default one.
    /// Used by [`crate::dispatch`]; with [`Action::execute`] the client is given.
    fn connection(&self) -> Option<&str> {
        None
    }

    /// Send the call with `client` and return Zoho's result, shaped as the spec says and typed.
    /// The same call through [`crate::dispatch`] returns it as JSON.
    fn execute<'a>(
        &'a self,
        client: &'a Client,
    ) -> impl Future<Output = Result<Self::Output, Error>> + Send + 'a {
        async move {
            let value = client.execute(self.to_request()?).await?;
            output::decode(Self::METHOD, value)
        }
    }
}

/// A list action (`*.getRecords`): its records can be streamed across pages.
pub trait ListAction: Action {
    /// The records of every page, one at a time, as `fetchAll`/`maxRecords` say; one page is
    /// held in memory at a time. The first error ends the stream.
    fn records<'a>(
        &self,
        client: &'a Client,
    ) -> impl Stream<Item = Result<Record, Error>> + Send + 'a {
        match self.to_request() {
            Ok(request) => client
                .records(request)
                .map(|item| item.and_then(Record::try_from))
                .left_stream(),
            Err(error) => futures::stream::once(futures::future::ready(Err(error))).right_stream(),
        }
    }
}

/// An enum input of the spec (`SortOrder`, `ResponseType`): its value as the spec and JSON
/// write it.
pub trait SpecEnum: Copy {
    /// The value as the spec and JSON write it (`desc`).
    fn as_str(self) -> &'static str;
}

//! zoho-actions integration tests: the generated types, their defaults, the requests they
//! describe, dispatch, and an action added by a spec edit alone.
#![allow(clippy::unwrap_used)]

mod catalogue;
mod defaults;
mod dispatch;
mod extension;
mod jobs;
mod notifications;
mod record_paths;
mod requests;
mod shapes;
mod snapshot;
mod support;
mod wire;

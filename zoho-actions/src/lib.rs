//! The Zoho CRM and Zoho Books actions, generated from the action spec.
//!
//! Every type, executor, dispatch arm and method descriptor here comes from
//! `action-spec/zoho.toml` through [`zoho_macros::actions!`]; nothing is written per action: what
//! every action shares is written once here ([`Action`], [`ListAction`], [`output`]).
//! One struct per action ([`crm::CreateRecord`], [`books::GetRecords`], ...) with one field per
//! input, the spec's defaults applied and a `new` that asks for the required inputs. Each is an
//! [`Action`]: `to_request` describes the HTTP call as data and `execute` sends it with a
//! [`zoho_core::Client`] and returns a typed result ([`output`]: [`output::CrmWriteResult`],
//! [`output::RecordsPage`], [`output::Record`], ...); list actions are [`ListAction`]s that
//! also stream their records with `records`.
//! Enum inputs are typed ([`types::SortOrder`], [`types::ResponseType`], ...).
//! [`dispatch`] runs an action by JSON-RPC method name and JSON params; [`METHODS`] describes
//! every action and [`SPEC_TOML`] is the spec they all come from.
//!
//! ```no_run
//! use zoho_actions::{Action, crm};
//! # async fn demo(client: &zoho_core::Client) -> Result<(), zoho_core::Error> {
//! let mut list = crm::GetRecords::new("Leads");
//! list.fields = Some(vec!["Last_Name".into(), "Email".into()]);
//! list.per_page = 50;
//! let page = list.execute(client).await?;
//! for lead in &page.data {
//!     println!("{} {}", lead.id().unwrap_or_default(), lead.get_str("Email").unwrap_or_default());
//! }
//! # Ok(()) }
//! ```
//!
//! The reference below is `docs/actions.md`, generated from the spec by `cargo xtask docs`.
#![doc = include_str!("../../docs/actions.md")]
// `zoho_core::Error` is flat by design (see zoho-core) and only travels on the failure path.
#![allow(clippy::result_large_err)]

// Generated code names the runtime as `::zoho_actions::__private`, also from inside this crate.
extern crate self as zoho_actions;

#[doc(hidden)]
pub mod __private;
mod action;
mod body;
mod descriptor;
mod dispatch_error;
mod file;
pub mod output;
mod prepared;
mod record_path;
mod wire;

pub use action::{Action, ListAction, SpecEnum};
pub use descriptor::MethodDescriptor;
pub use dispatch_error::DispatchError;
pub use prepared::{Prepared, RecordStream, record_stream};

zoho_macros::actions!("../action-spec/zoho.toml");

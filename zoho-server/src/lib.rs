//! JSON-RPC 2.0 server and command line for the zoho-rs actions.
//!
//! The layers, each testable alone: [`jsonrpc`] reads and writes messages, [`rpc`] runs a body
//! against a [`Dispatcher`] (batches, notifications, timeouts), [`http`] applies the transport
//! rules, [`server`] listens and shuts down gracefully, [`oauth`] runs the authorization flow.
//! [`actions`] is the real dispatcher, over the [`connections`] of `zoho.toml` or the [`sandbox`].

pub mod actions;
pub mod api_key;
pub mod body;
pub mod cli;
pub mod connections;
pub mod connections_api;
mod connections_page;
pub mod dispatch;
mod error;
pub mod events;
pub mod hosts;
pub mod http;
pub mod jsonrpc;
pub mod logging;
pub mod mcp;
pub mod oauth;
pub mod registry;
pub mod rpc;
pub mod rpc_error;
pub mod sandbox;
pub mod server;

pub use dispatch::Dispatcher;
pub use error::Error;

// The README's Rust blocks are doc tests, so its embedding example keeps compiling.
#[cfg(doctest)]
#[doc = include_str!("../../README.md")]
struct ReadmeDoctests;

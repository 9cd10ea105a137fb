//! zoho-server's one integration-test binary: everything over real HTTP on loopback.
#![allow(clippy::unwrap_used)]

mod actions;
mod behaviours;
mod byte_identical;
mod cli;
mod config_reference;
mod created;
mod faults;
mod fleet;
mod fuzz;
mod hardening;
mod mcp;
mod notifications;
mod operations;
mod past_token_limit;
mod protocol;
mod records_at_scale;
mod support;
mod transport;

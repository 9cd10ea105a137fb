//! zoho-server's one integration-test binary: everything over real HTTP on loopback.
#![allow(clippy::unwrap_used)]

mod actions;
mod behaviours;
mod books_describe;
mod books_paths;
mod browser;
mod bulk_jobs;
mod byte_identical;
mod cli;
mod config_reference;
mod created;
mod events;
mod events_fleet;
mod faults;
mod fleet;
mod fleet_consent;
mod fleet_lifecycle;
mod fuzz;
mod hardening;
mod mcp;
mod notifications;
mod operations;
mod past_token_limit;
mod photo_meta;
mod protocol;
mod records_at_scale;
mod refresh_loop;
mod search_one_of;
mod support;
mod transport;

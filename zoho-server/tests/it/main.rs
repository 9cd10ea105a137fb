//! zoho-server's one integration-test binary: everything over real HTTP on loopback.
#![allow(clippy::unwrap_used)]

mod actions;
mod behaviours;
mod cli;
mod faults;
mod protocol;
mod support;
mod transport;

//! zoho-core integration tests: one binary, one module per topic.

mod auth_support;
mod config;
mod exec_support;
mod execute;
mod oauth;
mod region;
mod secrets;
mod store;
mod token;

//! zoho-core integration tests: one binary, one module per topic.

mod auth_support;
mod config;
mod debug_request;
mod describe_cache;
mod exec_support;
mod execute;
mod oauth;
mod organization;
mod paging;
mod paths;
mod policy;
mod redis_support;
mod region;
mod retry;
mod runtimes;
mod secrets;
mod shape;
mod shared_refresh;
mod shared_store;
mod store;
mod surface;
mod token;

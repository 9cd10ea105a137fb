//! zoho-core integration tests: one binary, one module per topic.

mod exec_support;
mod execute;

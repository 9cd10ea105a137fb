//! The zoho-rs action spec: its serde model, its validation and what is derived from it.

//! JSON-RPC 2.0 server and command line for the zoho-rs actions.

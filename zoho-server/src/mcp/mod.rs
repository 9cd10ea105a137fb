//! The actions as Model Context Protocol tools, for AI agents: every spec action is a tool, with
//! no code per action.
//!
//! MCP is JSON-RPC 2.0 with a fixed set of methods, so it reuses this crate's JSON-RPC layer and
//! runs each tool call through the same [`crate::rpc::Rpc`] as `/rpc`. [`catalog`] derives the
//! tools from the spec, [`protocol`] answers the methods, [`tool_result`] shapes what a call
//! returns, [`version`] says which revisions are served; [`stdio`] and [`http`] are the two
//! transports (`zoho-server mcp` and `POST /mcp` of `serve`).

pub mod catalog;
pub mod http;
pub mod protocol;
pub mod stdio;
pub mod tool_result;
pub mod version;

pub use catalog::Catalog;
pub use protocol::Mcp;

//! The sandbox driven over real HTTP on loopback; each test quotes the fact it checks.
#![allow(clippy::unwrap_used)]

mod accounts;
mod attachments;
mod books;
mod books_paths;
mod coql;
mod crm_extra;
mod crm_list;
mod crm_records;
mod crm_surface;
mod observe;
mod official_sdks;
mod photo_meta;
mod sdk_compat;
mod support;
mod watch;
mod zoho_texts;

//! zoho-macros integration tests: the trybuild catalogue of spec mistakes.

mod ui;

//! A faithful local Zoho (accounts, CRM, Books) for development, tests and benchmarks.

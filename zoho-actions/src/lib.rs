//! The Zoho CRM and Zoho Books actions, generated from the action spec.

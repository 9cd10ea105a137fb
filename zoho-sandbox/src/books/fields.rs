//! `GET /settings/fields?entity=X`: the fields of a Books entity, standard and custom, as Books
//! lists them (wave2.md §7.1). Zoho documents creating custom fields (`label`, `data_type`,
//! `entity`, `is_mandatory`, `value_length`, `values[{name, order, is_active}]`); the list's
//! shape here follows that vocabulary and what peers read (`fields[]` with `api_name`, `label`,
//! `data_type`, `is_mandatory`, `is_active`, `is_system`, `is_read_only`), an assumption to
//! check against a real org. A standard field is mandatory when the sandbox's own create
//! refuses a record without it, so the metadata and the records agree.

use serde_json::{Value, json};

use super::kinds::kind;

/// One field of an entity.
struct Field {
    api_name: &'static str,
    label: &'static str,
    /// One of Books' custom-field data types (wave2.md §7.1).
    data_type: &'static str,
    /// A custom field (`cf_…`, with a `customfield_id`); otherwise a standard one.
    custom: bool,
    read_only: bool,
    /// Custom fields only: whether a create must give it.
    mandatory: bool,
    active: bool,
    /// Longest text, for text types.
    length: Option<u64>,
    /// Dropdown values, each active unless named in `retired`.
    values: &'static [&'static str],
    retired: &'static [&'static str],
}

const fn standard(api_name: &'static str, label: &'static str, data_type: &'static str) -> Field {
    Field {
        api_name,
        label,
        data_type,
        custom: false,
        read_only: false,
        mandatory: false,
        active: true,
        length: None,
        values: &[],
        retired: &[],
    }
}

const fn custom(api_name: &'static str, label: &'static str, data_type: &'static str) -> Field {
    Field {
        custom: true,
        ..standard(api_name, label, data_type)
    }
}

impl Field {
    const fn read_only(self) -> Field {
        Field {
            read_only: true,
            ..self
        }
    }

    const fn mandatory(self) -> Field {
        Field {
            mandatory: true,
            ..self
        }
    }

    const fn inactive(self) -> Field {
        Field {
            active: false,
            ..self
        }
    }

    const fn length(self, length: u64) -> Field {
        Field {
            length: Some(length),
            ..self
        }
    }

    const fn values(
        self,
        values: &'static [&'static str],
        retired: &'static [&'static str],
    ) -> Field {
        Field {
            values,
            retired,
            ..self
        }
    }
}

/// The sales documents share their standard fields but the number and the statuses.
macro_rules! sales_document {
    ($number:literal, $label:literal, $statuses:expr) => {
        &[
            standard("customer_id", "Customer", "lookup"),
            standard("customer_name", "Customer Name", "string").read_only(),
            standard($number, $label, "autonumber").read_only(),
            standard("date", "Date", "date"),
            standard("status", "Status", "dropdown")
                .read_only()
                .values($statuses, &[]),
            standard("total", "Total", "amount").read_only(),
            standard("currency_code", "Currency", "string").length(3),
        ]
    };
}

/// The entities served: (entity, record type path, standard fields, custom fields).
static ENTITIES: &[(&str, &str, &[Field], &[Field])] = &[
    (
        "contact",
        "contacts",
        &[
            standard("contact_name", "Display Name", "string").length(200),
            standard("company_name", "Company Name", "string").length(200),
            standard("contact_type", "Contact Type", "dropdown")
                .values(&["customer", "vendor"], &[]),
            standard("email", "Email", "email").length(100),
            standard("phone", "Phone", "phone").length(50),
            standard("status", "Status", "dropdown")
                .read_only()
                .values(&["active", "inactive"], &[]),
            standard("currency_code", "Currency", "string").length(3),
            standard("outstanding_receivable_amount", "Receivables", "amount").read_only(),
        ],
        &[
            custom("cf_segment", "Segment", "dropdown")
                .values(&["Enterprise", "Mid-Market", "SMB", "Legacy"], &["Legacy"]),
            custom("cf_account_manager", "Account Manager", "string").length(100),
            custom("cf_credit_limit", "Credit Limit", "amount"),
            custom("cf_onboarded_on", "Onboarded On", "date"),
            custom("cf_website", "Website", "url").length(255),
        ],
    ),
    (
        "item",
        "items",
        &[
            standard("name", "Name", "string").length(100),
            standard("sku", "SKU", "string").length(100),
            standard("rate", "Selling Price", "amount"),
            standard("description", "Description", "multiline").length(2000),
            standard("status", "Status", "dropdown")
                .read_only()
                .values(&["active", "inactive"], &[]),
            standard("item_type", "Item Type", "dropdown").values(
                &["sales", "purchases", "sales_and_purchases", "inventory"],
                &[],
            ),
            standard("product_type", "Product Type", "dropdown").values(&["goods", "service"], &[]),
        ],
        &[
            custom("cf_warranty_months", "Warranty (months)", "number"),
            custom("cf_hs_code", "HS Code", "string").length(20),
            custom("cf_photo", "Photo", "image"),
        ],
    ),
    (
        "invoice",
        "invoices",
        &[
            standard("customer_id", "Customer", "lookup"),
            standard("customer_name", "Customer Name", "string").read_only(),
            standard("invoice_number", "Invoice#", "autonumber").read_only(),
            standard("date", "Invoice Date", "date"),
            standard("due_date", "Due Date", "date"),
            standard("status", "Status", "dropdown")
                .read_only()
                .values(&["draft", "sent", "paid", "overdue"], &[]),
            standard("total", "Total", "amount").read_only(),
            standard("balance", "Balance Due", "amount").read_only(),
            standard("currency_code", "Currency", "string").length(3),
        ],
        &[
            custom("cf_region", "Region", "dropdown")
                .mandatory()
                .values(&["North", "South", "East", "West", "Central"], &["Central"]),
            custom("cf_po_reference", "PO Reference", "string").length(50),
            custom("cf_delivery_date", "Delivery Date", "date"),
            custom("cf_discount_approved", "Discount Approved", "check_box"),
            custom("cf_margin", "Margin", "percent"),
            custom("cf_units", "Units", "number"),
            custom("cf_notes", "Internal Notes", "multiline").length(2000),
            custom("cf_reference_code", "Reference Code", "autonumber").read_only(),
            custom("cf_scanned_copy", "Scanned Copy", "attachment"),
            custom("cf_legacy_code", "Legacy Code", "string")
                .length(20)
                .inactive(),
        ],
    ),
    (
        "estimate",
        "estimates",
        sales_document!(
            "estimate_number",
            "Estimate#",
            &["draft", "sent", "accepted", "declined"]
        ),
        &[
            custom("cf_valid_for_days", "Valid For (days)", "number"),
            custom("cf_sales_rep", "Sales Rep", "string").length(100),
        ],
    ),
    (
        "salesorder",
        "salesorders",
        sales_document!(
            "salesorder_number",
            "Sales Order#",
            &["draft", "open", "closed"]
        ),
        &[
            custom("cf_channel", "Channel", "dropdown").values(&["Web", "Phone", "Partner"], &[]),
            custom("cf_contact_email", "Contact Email", "email").length(100),
        ],
    ),
    (
        "creditnote",
        "creditnotes",
        sales_document!("creditnote_number", "Credit Note#", &["open", "closed"]),
        &[custom("cf_reason", "Reason", "dropdown").values(&["Return", "Discount", "Error"], &[])],
    ),
    (
        "purchaseorder",
        "purchaseorders",
        &[
            standard("vendor_id", "Vendor", "lookup"),
            standard("vendor_name", "Vendor Name", "string").read_only(),
            standard("purchaseorder_number", "Purchase Order#", "autonumber").read_only(),
            standard("date", "Date", "date"),
            standard("due_date", "Delivery Date", "date"),
            standard("status", "Status", "dropdown")
                .read_only()
                .values(&["open", "paid", "draft"], &[]),
            standard("total", "Total", "amount").read_only(),
        ],
        &[custom("cf_cost_center", "Cost Center", "dropdown")
            .values(&["Ops", "R&D", "Sales"], &[])],
    ),
    (
        "bill",
        "bills",
        &[
            standard("vendor_id", "Vendor", "lookup"),
            standard("vendor_name", "Vendor Name", "string").read_only(),
            standard("bill_number", "Bill#", "string").length(100),
            standard("date", "Bill Date", "date"),
            standard("due_date", "Due Date", "date"),
            standard("status", "Status", "dropdown")
                .read_only()
                .values(&["open", "paid", "draft"], &[]),
            standard("total", "Total", "amount").read_only(),
            standard("balance", "Balance Due", "amount").read_only(),
        ],
        &[
            custom("cf_cost_center", "Cost Center", "dropdown")
                .values(&["Ops", "R&D", "Sales"], &[]),
            custom("cf_approved_by", "Approved By", "string").length(100),
        ],
    ),
    (
        "expense",
        "expenses",
        &[
            standard("date", "Date", "date"),
            standard("account_id", "Expense Account", "lookup"),
            standard("paid_through_account_id", "Paid Through", "lookup"),
            standard("amount", "Amount", "amount"),
            standard("description", "Description", "multiline").length(500),
            standard("status", "Status", "dropdown")
                .read_only()
                .values(&["nonbillable", "unbilled", "invoiced"], &[]),
        ],
        &[
            custom("cf_receipt_number", "Receipt Number", "string").length(50),
            custom("cf_billable_to_client", "Billable To Client", "check_box"),
            custom("cf_mileage", "Mileage", "decimal"),
            custom("cf_receipt", "Receipt", "image"),
        ],
    ),
];

/// The fields of `entity` in organization `org_id`, or `None` for an entity Books has no fields
/// for.
pub(crate) fn of(entity: &str, org_id: &str) -> Option<Vec<Value>> {
    let (entity, path, standard, custom) = ENTITIES.iter().find(|(e, ..)| *e == entity)?;
    let required = kind(path).map_or(&[][..], |k| k.required);
    let fields = standard
        .iter()
        .chain(custom.iter())
        .enumerate()
        .map(|(index, field)| {
            let id = format!("{org_id}{:010}", 3_000 + index);
            let mandatory = if field.custom {
                field.mandatory
            } else {
                required.contains(&field.api_name)
            };
            let mut json = json!({
                "field_id": id,
                "api_name": field.api_name,
                "label": field.label,
                "data_type": field.data_type,
                "entity": entity,
                "is_custom_field": field.custom,
                "is_system": !field.custom,
                "is_mandatory": mandatory,
                "is_active": field.active,
                "is_read_only": field.read_only,
                "show_on_pdf": field.custom,
            });
            if field.custom {
                json["customfield_id"] = json!(id);
            }
            if let Some(length) = field.length {
                json["value_length"] = json!(length);
            }
            if !field.values.is_empty() {
                json["values"] = field
                    .values
                    .iter()
                    .enumerate()
                    .map(|(order, name)| {
                        json!({"name": name, "order": order + 1, "is_active": !field.retired.contains(name)})
                    })
                    .collect();
            }
            json
        })
        .collect();
    Some(fields)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn a_standard_field_is_mandatory_where_the_sandbox_s_create_requires_it() {
        for (entity, path, ..) in ENTITIES {
            let fields = of(entity, "1").unwrap();
            for name in kind(path).unwrap().required {
                if *name == "line_items" {
                    // Line items are a list of their own, not a field of the list.
                    continue;
                }
                let field = fields.iter().find(|f| f["api_name"] == *name);
                assert_eq!(
                    field.map(|f| f["is_mandatory"].clone()),
                    Some(json!(true)),
                    "{entity}.{name}"
                );
            }
        }
        assert!(of("invoices", "1").is_none());
    }
}

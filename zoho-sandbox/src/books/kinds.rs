//! The Books record types the sandbox serves, with their paths, keys, scopes and messages
//! (books.md §2.1, §4).

/// One Books record type.
#[derive(Debug)]
pub(crate) struct BooksKind {
    /// Collection path segment, e.g. `invoices`.
    pub path: &'static str,
    /// Id key in records, e.g. `invoice_id`.
    pub id_key: &'static str,
    /// Envelope key of a list.
    pub list_key: &'static str,
    /// Envelope key of one record.
    pub single_key: &'static str,
    /// Name in messages, e.g. `Invoice` in "Invoice does not exist.".
    pub label: &'static str,
    /// Plural label for `page_context.report_name`.
    pub report_name: &'static str,
    /// OAuth scope family.
    pub scope: &'static str,
    /// Fields a create must carry.
    pub required: &'static [&'static str],
    /// Fields that must name an existing record of another type: (field, type path).
    pub refs: &'static [(&'static str, &'static str)],
    /// Auto-number field and its prefix.
    pub number: Option<(&'static str, &'static str)>,
    /// Messages of create, update and delete.
    pub messages: [&'static str; 3],
    /// HTTP status of a create (201, but 200 for expenses).
    pub create_status: u16,
    /// Route names for the stats: list, get, create, update, delete.
    pub routes: [&'static str; 5],
    /// Seeded records per 1,000 Leads, in the first organization.
    pub per_thousand_leads: usize,
}

macro_rules! routes {
    ($p:literal) => {
        [
            concat!("books.", $p, ".list"),
            concat!("books.", $p, ".get"),
            concat!("books.", $p, ".create"),
            concat!("books.", $p, ".update"),
            concat!("books.", $p, ".delete"),
        ]
    };
}

/// Every served type.
pub(crate) static KINDS: &[BooksKind] = &[
    BooksKind {
        path: "contacts",
        id_key: "contact_id",
        list_key: "contacts",
        single_key: "contact",
        label: "Contact",
        report_name: "Contacts",
        scope: "contacts",
        required: &["contact_name"],
        refs: &[],
        number: None,
        messages: [
            "The contact has been created",
            "Contact has been updated successfully",
            "The contact has been deleted.",
        ],
        create_status: 201,
        routes: routes!("contacts"),
        per_thousand_leads: 20,
    },
    BooksKind {
        path: "contactpersons",
        id_key: "contact_person_id",
        list_key: "contact_persons",
        single_key: "contact_person",
        label: "Contact person",
        report_name: "Contact Persons",
        scope: "contacts",
        required: &["first_name", "contact_id"],
        refs: &[("contact_id", "contacts")],
        number: None,
        messages: [
            "The contactperson has been Created",
            "The contactperson details has been updated.",
            "The contact person has been deleted.",
        ],
        create_status: 201,
        routes: routes!("contactpersons"),
        per_thousand_leads: 20,
    },
    BooksKind {
        path: "items",
        id_key: "item_id",
        list_key: "items",
        single_key: "item",
        label: "Item",
        report_name: "Items",
        scope: "settings",
        required: &["name", "rate"],
        refs: &[],
        number: None,
        messages: [
            "The item has been added.",
            "The item details have been saved.",
            "The item has been deleted.",
        ],
        create_status: 201,
        routes: routes!("items"),
        per_thousand_leads: 10,
    },
    BooksKind {
        path: "invoices",
        id_key: "invoice_id",
        list_key: "invoices",
        single_key: "invoice",
        label: "Invoice",
        report_name: "Invoices",
        scope: "invoices",
        required: &["customer_id", "line_items"],
        refs: &[("customer_id", "contacts")],
        number: Some(("invoice_number", "INV-")),
        messages: [
            "The invoice has been created.",
            "Invoice information has been updated.",
            "The invoice has been deleted.",
        ],
        create_status: 201,
        routes: routes!("invoices"),
        per_thousand_leads: 20,
    },
    BooksKind {
        path: "estimates",
        id_key: "estimate_id",
        list_key: "estimates",
        single_key: "estimate",
        label: "Estimate",
        report_name: "Estimates",
        scope: "estimates",
        required: &["customer_id", "line_items"],
        refs: &[("customer_id", "contacts")],
        number: Some(("estimate_number", "EST-")),
        messages: [
            "The estimate has been created.",
            "Estimate has been updated.",
            "The estimate has been deleted.",
        ],
        create_status: 201,
        routes: routes!("estimates"),
        per_thousand_leads: 10,
    },
    BooksKind {
        path: "salesorders",
        id_key: "salesorder_id",
        list_key: "salesorders",
        single_key: "salesorder",
        label: "Sales order",
        report_name: "Sales Orders",
        scope: "salesorders",
        required: &["customer_id"],
        refs: &[("customer_id", "contacts")],
        number: Some(("salesorder_number", "SO-")),
        messages: [
            "Sales Order Created Successfully.",
            "Sales Order Updated Successfully.",
            "Sales Order Deleted Successfully.",
        ],
        create_status: 201,
        routes: routes!("salesorders"),
        per_thousand_leads: 10,
    },
    BooksKind {
        path: "purchaseorders",
        id_key: "purchaseorder_id",
        list_key: "purchaseorders",
        single_key: "purchaseorder",
        label: "Purchase order",
        report_name: "Purchase Orders",
        scope: "purchaseorders",
        required: &["vendor_id", "line_items"],
        refs: &[("vendor_id", "contacts")],
        number: Some(("purchaseorder_number", "PO-")),
        messages: [
            "The purchase order has been created.",
            "Purchase order has been updated.",
            "The purchase order has been deleted.",
        ],
        create_status: 201,
        routes: routes!("purchaseorders"),
        per_thousand_leads: 5,
    },
    BooksKind {
        path: "creditnotes",
        id_key: "creditnote_id",
        list_key: "creditnotes",
        single_key: "creditnote",
        label: "Credit note",
        report_name: "Credit Notes",
        scope: "creditnotes",
        required: &["customer_id", "line_items"],
        refs: &[("customer_id", "contacts")],
        number: Some(("creditnote_number", "CN-")),
        messages: [
            "The credit note has been created.",
            "Credit note has been updated.",
            "The credit note has been deleted.",
        ],
        create_status: 201,
        routes: routes!("creditnotes"),
        per_thousand_leads: 5,
    },
    BooksKind {
        path: "bills",
        id_key: "bill_id",
        list_key: "bills",
        single_key: "bill",
        label: "Bill",
        report_name: "Bills",
        scope: "bills",
        required: &["vendor_id", "bill_number"],
        refs: &[("vendor_id", "contacts")],
        number: None,
        messages: [
            "The bill has been created.",
            "The bill has been updated.",
            "The bill has been deleted.",
        ],
        create_status: 201,
        routes: routes!("bills"),
        per_thousand_leads: 10,
    },
    BooksKind {
        path: "expenses",
        id_key: "expense_id",
        list_key: "expenses",
        single_key: "expense",
        label: "Expense",
        report_name: "Expenses",
        scope: "expenses",
        required: &["date", "account_id", "amount", "paid_through_account_id"],
        refs: &[],
        number: None,
        messages: [
            "The expense has been recorded.",
            "The expense has been updated.",
            "The expense has been deleted.",
        ],
        create_status: 200,
        routes: routes!("expenses"),
        per_thousand_leads: 10,
    },
    BooksKind {
        path: "projects",
        id_key: "project_id",
        list_key: "projects",
        single_key: "project",
        label: "Project",
        report_name: "Projects",
        scope: "projects",
        required: &["project_name", "customer_id", "billing_type", "user_id"],
        refs: &[("customer_id", "contacts")],
        number: None,
        messages: [
            "The project has been added.",
            "Project has been updated.",
            "The project has been deleted.",
        ],
        create_status: 201,
        routes: routes!("projects"),
        per_thousand_leads: 5,
    },
    BooksKind {
        path: "tasks",
        id_key: "task_id",
        list_key: "tasks",
        single_key: "task",
        label: "Task",
        report_name: "Tasks",
        scope: "projects",
        required: &["task_name"],
        refs: &[],
        number: None,
        messages: [
            "The task has been added.",
            "The task has been updated.",
            "The task has been deleted.",
        ],
        create_status: 201,
        routes: routes!("tasks"),
        per_thousand_leads: 10,
    },
];

/// The type with this collection path.
pub(crate) fn kind(path: &str) -> Option<&'static BooksKind> {
    KINDS.iter().find(|k| k.path == path)
}

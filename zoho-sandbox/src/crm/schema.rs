//! The CRM modules and their fields: what `settings/modules` and `settings/fields` report, and
//! what record writes and COQL are checked against (crm.md §3, §8).

use serde_json::{Value, json};

/// A field's data type, as `settings/fields` names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Id,
    Text,
    Textarea,
    Email,
    Phone,
    Website,
    Picklist,
    Integer,
    Double,
    Currency,
    Boolean,
    Date,
    DateTime,
    /// A lookup to the named module.
    Lookup(&'static str),
    OwnerLookup,
    UserLookup,
}

impl Kind {
    /// `data_type` in field metadata.
    pub(crate) fn data_type(self) -> &'static str {
        match self {
            Kind::Id => "bigint",
            Kind::Text => "text",
            Kind::Textarea => "textarea",
            Kind::Email => "email",
            Kind::Phone => "phone",
            Kind::Website => "website",
            Kind::Picklist => "picklist",
            Kind::Integer => "integer",
            Kind::Double => "double",
            Kind::Currency => "currency",
            Kind::Boolean => "boolean",
            Kind::Date => "date",
            Kind::DateTime => "datetime",
            Kind::Lookup(_) => "lookup",
            Kind::OwnerLookup => "ownerlookup",
            Kind::UserLookup => "userlookup",
        }
    }

    /// `json_type` in field metadata.
    pub(crate) fn json_type(self) -> &'static str {
        match self {
            Kind::Integer => "integer",
            Kind::Double | Kind::Currency => "double",
            Kind::Boolean => "boolean",
            Kind::Lookup(_) | Kind::OwnerLookup | Kind::UserLookup => "jsonobject",
            _ => "string",
        }
    }

    /// Whether values compare as numbers.
    pub(crate) fn is_number(self) -> bool {
        matches!(self, Kind::Integer | Kind::Double | Kind::Currency)
    }

    /// Whether the value is a `{"name","id"}` object.
    pub(crate) fn is_lookup(self) -> bool {
        matches!(self, Kind::Lookup(_) | Kind::OwnerLookup | Kind::UserLookup)
    }
}

/// One field of a module.
#[derive(Debug)]
pub(crate) struct FieldDef {
    pub api_name: &'static str,
    pub label: &'static str,
    pub kind: Kind,
    pub length: u32,
    pub mandatory: bool,
    pub unique: bool,
    pub read_only: bool,
    pub picklist: &'static [&'static str],
}

const fn field(api_name: &'static str, label: &'static str, kind: Kind) -> FieldDef {
    let length = match kind {
        Kind::Textarea => 32_000,
        Kind::Email | Kind::Website => 255,
        Kind::Phone => 30,
        Kind::Integer => 9,
        Kind::Double | Kind::Currency => 16,
        Kind::Id => 19,
        _ => 120,
    };
    FieldDef {
        api_name,
        label,
        kind,
        length,
        mandatory: false,
        unique: false,
        read_only: false,
        picklist: &[],
    }
}

impl FieldDef {
    const fn mandatory(mut self) -> Self {
        self.mandatory = true;
        self
    }
    const fn unique(mut self) -> Self {
        self.unique = true;
        self
    }
    const fn read_only(mut self) -> Self {
        self.read_only = true;
        self
    }
    const fn picks(mut self, values: &'static [&'static str]) -> Self {
        self.picklist = values;
        self
    }

    /// The field as `settings/fields` describes it.
    pub(crate) fn metadata(&self, module: &ModuleDef, index: usize) -> Value {
        let mut meta = json!({
            "id": (module.id_base() + 500 + index as u64).to_string(),
            "api_name": self.api_name,
            "field_label": self.label,
            "display_label": self.label,
            "data_type": self.kind.data_type(),
            "json_type": self.kind.json_type(),
            "length": self.length,
            "read_only": self.read_only,
            "field_read_only": self.read_only,
            "system_mandatory": self.mandatory,
            "custom_field": module.custom && !matches!(self.api_name, "id" | "Owner" | "Created_Time" | "Modified_Time" | "Created_By" | "Modified_By" | "Name"),
            "visible": true,
            "unique": if self.unique { json!({"casesensitive": false}) } else { json!({}) },
            "operation_type": {
                "api_create": !self.read_only,
                "api_update": !self.read_only,
                "api_read": true,
            },
        });
        if let Some(map) = meta.as_object_mut() {
            if !self.picklist.is_empty() {
                let values: Vec<Value> = self
                    .picklist
                    .iter()
                    .enumerate()
                    .map(|(i, v)| json!({"display_value": v, "actual_value": v, "id": (module.id_base() + 900 + i as u64).to_string(), "sequence_number": i + 1}))
                    .collect();
                map.insert("pick_list_values".into(), Value::Array(values));
            }
            match self.kind {
                Kind::Lookup(target) => {
                    let target_id = module_by_name(target).map(|m| m.id_base().to_string());
                    map.insert(
                        "lookup".into(),
                        json!({"module": {"api_name": target, "id": target_id}}),
                    );
                }
                Kind::Double | Kind::Currency => {
                    map.insert("decimal_place".into(), json!(2));
                }
                _ => {}
            }
        }
        meta
    }
}

/// One CRM module.
#[derive(Debug)]
pub(crate) struct ModuleDef {
    pub api_name: &'static str,
    pub singular: &'static str,
    pub plural: &'static str,
    /// Its slot in the store, also used to make its ids.
    pub number: u64,
    pub custom: bool,
    pub fields: &'static [FieldDef],
    /// Upsert's default duplicate-check fields (crm.md §3.6).
    pub duplicate_check: &'static [&'static str],
    /// Seeded records per 1,000 Leads.
    pub per_thousand_leads: usize,
}

/// Every module's `Tag` field: `[{"name","id"}]`, written only through the tag actions.
pub(crate) static TAG_FIELD: FieldDef = field("Tag", "Tag", Kind::Text).read_only();

impl ModuleDef {
    /// The field with this API name (case-insensitive, as Zoho matches them); `Tag` in every
    /// module.
    pub(crate) fn field(&self, api_name: &str) -> Option<&'static FieldDef> {
        self.fields
            .iter()
            .find(|f| f.api_name.eq_ignore_ascii_case(api_name))
            .or_else(|| api_name.eq_ignore_ascii_case("Tag").then_some(&TAG_FIELD))
    }

    /// Fields a write must carry.
    pub(crate) fn mandatory(&self) -> impl Iterator<Item = &'static FieldDef> + use<> {
        let fields: &'static [FieldDef] = self.fields;
        fields.iter().filter(|f| f.mandatory)
    }

    /// The first id of this module's number space; record ids are above it.
    pub(crate) fn id_base(&self) -> u64 {
        ID_PREFIX + self.number * 100_000_000_000
    }

    /// The module as `settings/modules` describes it; v5 and later report `status`, earlier
    /// versions `visible` (crm.md §8.1).
    /// The id of the module's one custom view, "All {plural}" (every module has it in Zoho); a
    /// list's `cvid` must name it.
    pub(crate) fn all_view_id(&self) -> u64 {
        self.id_base() + 700
    }

    /// The module's custom views as `settings/custom_views` lists them.
    pub(crate) fn custom_views(&self) -> Value {
        let name = format!("All {}", self.plural);
        json!([{
            "id": self.all_view_id().to_string(),
            "name": name,
            "display_value": name,
            "system_name": "ALLVIEWS",
            "system_defined": true,
            "default": true,
            "category": "public_views",
            "favorite": null,
            "sort_by": null,
            "sort_order": null,
        }])
    }

    pub(crate) fn metadata(&self, version: u8) -> Value {
        let mut meta = json!({
            "id": self.id_base().to_string(),
            "api_name": self.api_name,
            "module_name": self.plural,
            "singular_label": self.singular,
            "plural_label": self.plural,
            "api_supported": true,
            "creatable": true,
            "editable": true,
            "deletable": true,
            "viewable": true,
            "generated_type": if self.custom { "custom" } else { "default" },
            "parent_module": {},
            "profiles": [{"name": "Administrator", "id": (ID_PREFIX + 7).to_string()}],
            "modified_time": "2024-01-01T00:00:00+00:00",
        });
        if let Some(map) = meta.as_object_mut() {
            if version >= 5 {
                map.insert("status".into(), json!("visible"));
            } else {
                map.insert("visible".into(), json!(true));
            }
        }
        meta
    }
}

/// Zoho-like 19-digit ids start with an org-specific prefix.
pub(crate) const ID_PREFIX: u64 = 4_150_868_000_000_000_000;

macro_rules! system_fields {
    ($($rest:expr),* $(,)?) => {
        &[
            field("id", "Record Id", Kind::Id).read_only(),
            field("Owner", "Owner", Kind::OwnerLookup),
            $($rest,)*
            field("Created_Time", "Created Time", Kind::DateTime).read_only(),
            field("Modified_Time", "Modified Time", Kind::DateTime).read_only(),
            field("Created_By", "Created By", Kind::UserLookup).read_only(),
            field("Modified_By", "Modified By", Kind::UserLookup).read_only(),
        ]
    };
}

const LEAD_SOURCES: &[&str] = &[
    "Advertisement",
    "Cold Call",
    "Employee Referral",
    "Online Store",
    "Partner",
    "Web Download",
];
const LEAD_STATUSES: &[&str] = &[
    "Not Contacted",
    "Attempted to Contact",
    "Contacted",
    "Junk Lead",
    "Pre-Qualified",
];
const INDUSTRIES: &[&str] = &[
    "Technology",
    "Manufacturing",
    "Retail",
    "Healthcare",
    "Finance",
    "Education",
];
const STAGES: &[&str] = &[
    "Qualification",
    "Needs Analysis",
    "Proposal/Price Quote",
    "Negotiation/Review",
    "Closed Won",
    "Closed Lost",
];
const CARRIERS: &[&str] = &["DHL", "UPS", "FedEx", "USPS"];

/// Every module the sandbox serves: the four standard ones and one custom module.
pub(crate) static MODULES: &[ModuleDef] = &[
    ModuleDef {
        api_name: "Leads",
        singular: "Lead",
        plural: "Leads",
        number: 1,
        custom: false,
        fields: system_fields![
            field("First_Name", "First Name", Kind::Text),
            field("Last_Name", "Last Name", Kind::Text).mandatory(),
            field("Email", "Email", Kind::Email).unique(),
            field("Company", "Company", Kind::Text),
            field("Phone", "Phone", Kind::Phone),
            field("Lead_Source", "Lead Source", Kind::Picklist).picks(LEAD_SOURCES),
            field("Lead_Status", "Lead Status", Kind::Picklist).picks(LEAD_STATUSES),
            field("Annual_Revenue", "Annual Revenue", Kind::Currency),
            field("No_of_Employees", "No. of Employees", Kind::Integer),
            field("Email_Opt_Out", "Email Opt Out", Kind::Boolean),
            field("Description", "Description", Kind::Textarea),
        ],
        duplicate_check: &["Email"],
        per_thousand_leads: 1_000,
    },
    ModuleDef {
        api_name: "Contacts",
        singular: "Contact",
        plural: "Contacts",
        number: 2,
        custom: false,
        fields: system_fields![
            field("First_Name", "First Name", Kind::Text),
            field("Last_Name", "Last Name", Kind::Text).mandatory(),
            field("Email", "Email", Kind::Email),
            field("Phone", "Phone", Kind::Phone),
            field("Account_Name", "Account Name", Kind::Lookup("Accounts")),
            field("Mailing_City", "Mailing City", Kind::Text),
            field("Date_of_Birth", "Date of Birth", Kind::Date),
            field("Description", "Description", Kind::Textarea),
        ],
        duplicate_check: &["Email"],
        per_thousand_leads: 500,
    },
    ModuleDef {
        api_name: "Accounts",
        singular: "Account",
        plural: "Accounts",
        number: 3,
        custom: false,
        fields: system_fields![
            field("Account_Name", "Account Name", Kind::Text).mandatory(),
            field("Website", "Website", Kind::Website),
            field("Phone", "Phone", Kind::Phone),
            field("Industry", "Industry", Kind::Picklist).picks(INDUSTRIES),
            field("Annual_Revenue", "Annual Revenue", Kind::Currency),
            field("Employees", "Employees", Kind::Integer),
            field("Description", "Description", Kind::Textarea),
        ],
        duplicate_check: &["Account_Name"],
        per_thousand_leads: 200,
    },
    ModuleDef {
        api_name: "Deals",
        singular: "Deal",
        plural: "Deals",
        number: 4,
        custom: false,
        fields: system_fields![
            field("Deal_Name", "Deal Name", Kind::Text).mandatory(),
            field("Stage", "Stage", Kind::Picklist)
                .mandatory()
                .picks(STAGES),
            field("Amount", "Amount", Kind::Currency),
            field("Closing_Date", "Closing Date", Kind::Date),
            field("Account_Name", "Account Name", Kind::Lookup("Accounts")),
            field("Contact_Name", "Contact Name", Kind::Lookup("Contacts")),
            field("Probability", "Probability (%)", Kind::Integer),
            field("Description", "Description", Kind::Textarea),
        ],
        duplicate_check: &["Deal_Name"],
        per_thousand_leads: 250,
    },
    ModuleDef {
        api_name: "Shipments",
        singular: "Shipment",
        plural: "Shipments",
        number: 5,
        custom: true,
        fields: system_fields![
            field("Name", "Shipment Name", Kind::Text).mandatory(),
            field("Tracking_Number", "Tracking Number", Kind::Text).unique(),
            field("Carrier", "Carrier", Kind::Picklist).picks(CARRIERS),
            field("Weight_Kg", "Weight (kg)", Kind::Double),
            field("Delivered", "Delivered", Kind::Boolean),
            field("Ship_Date", "Ship Date", Kind::Date),
            field("Deal", "Deal", Kind::Lookup("Deals")),
        ],
        duplicate_check: &["Tracking_Number"],
        per_thousand_leads: 100,
    },
];

/// The module with this API name, matched case-insensitively.
pub(crate) fn module_by_name(name: &str) -> Option<&'static ModuleDef> {
    MODULES
        .iter()
        .find(|m| m.api_name.eq_ignore_ascii_case(name))
}

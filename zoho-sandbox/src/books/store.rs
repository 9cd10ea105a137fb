//! Books organizations and their records, one lock per organization and record type, seeded
//! deterministically.

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{OnceLock, RwLock};

use serde_json::{Map, Value, json};

use super::kinds::{BooksKind, KINDS};
use crate::clock;
use crate::limits::{Gauge, Window};

/// A Books record.
pub(crate) type Record = Map<String, Value>;

/// One organization.
#[derive(Debug)]
pub(crate) struct Org {
    pub id: &'static str,
    pub name: &'static str,
    pub is_default: bool,
    /// Each type is seeded on first use, so a large sandbox starts at once.
    stores: HashMap<&'static str, OnceLock<RwLock<BTreeMap<u64, Record>>>>,
    seeder: Seeder,
    next_id: AtomicU64,
    pub per_minute: Window,
    pub per_day: Window,
    pub in_flight: Gauge,
}

impl Org {
    /// The records of a type.
    pub(crate) fn store(&self, kind: &BooksKind) -> Option<&RwLock<BTreeMap<u64, Record>>> {
        self.store_by_path(kind.path)
    }

    fn store_by_path(&self, path: &str) -> Option<&RwLock<BTreeMap<u64, Record>>> {
        let kind = KINDS.iter().find(|k| k.path == path)?;
        let cell = self.stores.get(kind.path)?;
        Some(cell.get_or_init(|| RwLock::new(self.seeder.seed_kind(kind))))
    }

    /// A fresh id.
    pub(crate) fn next_id(&self) -> u64 {
        self.next_id.fetch_add(1, Ordering::Relaxed)
    }

    /// Whether a record of this type exists.
    pub(crate) fn exists(&self, kind_path: &str, id: &str) -> bool {
        let Ok(id) = id.parse::<u64>() else {
            return false;
        };
        self.store_by_path(kind_path)
            .and_then(|s| s.read().ok().map(|s| s.contains_key(&id)))
            .unwrap_or(false)
    }

    /// A field of a record of another type.
    pub(crate) fn field_of(&self, kind_path: &str, id: &str, field: &str) -> Option<Value> {
        let id = id.parse::<u64>().ok()?;
        let store = self.store_by_path(kind_path)?.read().ok()?;
        store.get(&id)?.get(field).cloned()
    }

    /// The organization as `GET /organizations` lists it (books.md §1.3).
    pub(crate) fn json(&self) -> Value {
        json!({
            "organization_id": self.id,
            "name": self.name,
            "contact_name": "Sandbox Admin",
            "email": "admin@sandbox.example",
            "is_default_org": self.is_default,
            "plan_type": 6,
            "plan_name": "PROFESSIONAL",
            "plan_period": "yearly",
            "language_code": "en",
            "fiscal_year_start_month": 0,
            "account_created_date": "2024-01-01",
            "time_zone": "UTC",
            "is_org_active": true,
            "currency_id": format!("{}000000000099", self.id),
            "currency_code": "USD",
            "currency_symbol": "$",
            "currency_format": "###,##0.00",
            "price_precision": 2,
        })
    }
}

/// Every organization.
#[derive(Debug)]
pub(crate) struct Books {
    pub orgs: Vec<Org>,
}

fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

const NAMES: &[&str] = &[
    "Bowman",
    "Zylker",
    "Acme",
    "Globex",
    "Initech",
    "Umbrella",
    "Vandelay",
    "Northwind",
];
const SUFFIXES: &[&str] = &["Inc", "LLC", "Ltd", "Traders", "Supplies"];
const FIRST: &[&str] = &[
    "Ana", "Ben", "Chidi", "Dana", "Elif", "Farid", "Greta", "Hiro",
];
const LAST: &[&str] = &[
    "Stone", "Park", "Okafor", "Ruiz", "Kaya", "Haddad", "Berg", "Sato",
];

fn pick(list: &[&'static str], h: u64) -> &'static str {
    list[usize::try_from(h % list.len() as u64).unwrap_or(0)]
}

/// 2024-01-01: seeded Books records were created after it.
const BOOKS_EPOCH: i64 = 1_704_067_200;

/// Computes seeded records: ids and names follow from (seed, organization, type, index), so
/// each type can be seeded alone, on first use.
#[derive(Debug)]
struct Seeder {
    seed: u64,
    org_number: u64,
    org_id: &'static str,
    counts: HashMap<&'static str, usize>,
}

impl Seeder {
    fn h(&self, kind: &str, i: usize, salt: u64) -> u64 {
        let k = kind
            .bytes()
            .fold(0u64, |a, b| a.wrapping_mul(31).wrapping_add(u64::from(b)));
        mix(self.seed ^ mix(k ^ (i as u64) << 20 ^ salt) ^ self.org_number)
    }

    fn count(&self, kind: &str) -> usize {
        self.counts.get(kind).copied().unwrap_or(0)
    }

    /// The id of seeded record `i` of a type; new records get ids above every seeded one.
    fn id(&self, kind: &str, i: usize) -> u64 {
        let slot = KINDS.iter().position(|k| k.path == kind).unwrap_or(0) as u64 + 1;
        self.org_number * 10_000_000_000 + slot * 100_000_000 + i as u64
    }

    fn first_new_id(org_number: u64) -> u64 {
        org_number * 10_000_000_000 + 9_000_000_000
    }

    /// A seeded record of `kind` picked by `h`: (index, id).
    fn nth(&self, kind: &str, h: u64) -> Option<(usize, u64)> {
        let count = self.count(kind);
        if count == 0 {
            return None;
        }
        let i = usize::try_from(h % count as u64).unwrap_or(0);
        Some((i, self.id(kind, i)))
    }

    fn contact_name(&self, i: usize) -> String {
        let h = self.h("contacts", i, 1);
        format!("{} {} {}", pick(NAMES, h), pick(SUFFIXES, h >> 8), i + 1)
    }

    fn contact_ref(&self, kind: &str, i: usize, salt: u64) -> (Value, Value) {
        match self.nth("contacts", self.h(kind, i, salt)) {
            Some((index, id)) => (json!(id.to_string()), json!(self.contact_name(index))),
            None => (Value::Null, Value::Null),
        }
    }

    fn line_items(&self, kind: &str, i: usize, record_id: u64) -> (Value, f64) {
        let count = self.h(kind, i, 9) % 3 + 1;
        let mut total = 0.0;
        let items: Vec<Value> = (0..count)
            .map(|n| {
                let h = self.h(kind, i, 10 + n);
                let rate = (h % 500 + 10) as f64;
                let quantity = (h >> 16) % 5 + 1;
                let item_total = rate * quantity as f64;
                total += item_total;
                let item_id = self.nth("items", h).map(|(_, id)| id.to_string());
                json!({
                    "line_item_id": (record_id * 10 + n).to_string(),
                    "item_id": item_id,
                    "name": format!("Service {}", h % 40 + 1),
                    "rate": rate,
                    "quantity": quantity,
                    "item_total": item_total,
                })
            })
            .collect();
        (Value::Array(items), total)
    }

    fn seed_kind(&self, kind: &BooksKind) -> BTreeMap<u64, Record> {
        (0..self.count(kind.path))
            .map(|i| {
                let id = self.id(kind.path, i);
                (id, self.record(kind, i, id))
            })
            .collect()
    }

    fn record(&self, kind: &BooksKind, i: usize, id: u64) -> Record {
        let h = self.h(kind.path, i, 1);
        let created = BOOKS_EPOCH + (i as i64) * 3_600 + (h % 600) as i64;
        let mut r = json!({
            kind.id_key: id.to_string(),
            "created_time": clock::books_datetime(created),
            "last_modified_time": clock::books_datetime(created + (h % 86_400) as i64),
        });
        let org_id = self.org_id;
        let date = clock::date(created);
        let due = clock::date(created + 30 * 86_400);
        let extra = match kind.path {
            "contacts" => {
                let name = self.contact_name(i);
                json!({
                    "contact_name": name,
                    "company_name": name,
                    "contact_type": if i % 4 == 3 { "vendor" } else { "customer" },
                    "customer_sub_type": "business",
                    "email": format!("billing{}@{}.example", i + 1, pick(NAMES, h).to_lowercase()),
                    "phone": format!("+1 555 {:04}", h % 10_000),
                    "status": "active",
                    "currency_code": "USD",
                    "outstanding_receivable_amount": 0.0,
                })
            }
            "contactpersons" => {
                let first = pick(FIRST, h);
                let last = pick(LAST, h >> 8);
                json!({
                    "contact_id": self.contact_ref(kind.path, i, 2).0,
                    "first_name": first,
                    "last_name": last,
                    "email": format!("{}.{}{}@people.example", first.to_lowercase(), last.to_lowercase(), i + 1),
                    "phone": format!("+1 555 {:04}", (h >> 4) % 10_000),
                    "is_primary_contact": i.is_multiple_of(2),
                })
            }
            "items" => json!({
                "name": format!("Item {}", i + 1),
                "sku": format!("SKU-{:05}", i + 1),
                "rate": (h % 900 + 10) as f64,
                "description": format!("Seeded item number {}.", i + 1),
                "status": "active",
                "item_type": "sales",
                "product_type": if h.is_multiple_of(2) { "goods" } else { "service" },
            }),
            "invoices" | "estimates" | "salesorders" | "creditnotes" => {
                let (line_items, total) = self.line_items(kind.path, i, id);
                let (customer_id, customer_name) = self.contact_ref(kind.path, i, 3);
                let statuses: &[&str] = match kind.path {
                    "invoices" => &["draft", "sent", "paid", "overdue"],
                    "estimates" => &["draft", "sent", "accepted", "declined"],
                    "salesorders" => &["draft", "open", "closed"],
                    _ => &["open", "closed"],
                };
                let status = pick(statuses, h >> 12);
                let mut v = json!({
                    "customer_id": customer_id,
                    "customer_name": customer_name,
                    "date": date,
                    "status": status,
                    "line_items": line_items,
                    "total": total,
                    "currency_code": "USD",
                });
                if let Some((key, prefix)) = kind.number {
                    v[key] = json!(format!("{prefix}{:06}", i + 1));
                }
                if kind.path == "invoices" {
                    v["due_date"] = json!(due);
                    v["balance"] = json!(if status == "paid" { 0.0 } else { total });
                }
                v
            }
            "purchaseorders" | "bills" => {
                let (line_items, total) = self.line_items(kind.path, i, id);
                let (vendor_id, vendor_name) = self.contact_ref(kind.path, i, 4);
                let mut v = json!({
                    "vendor_id": vendor_id,
                    "vendor_name": vendor_name,
                    "date": date,
                    "due_date": due,
                    "status": pick(&["open", "paid", "draft"], h >> 12),
                    "line_items": line_items,
                    "total": total,
                    "balance": total,
                });
                match kind.number {
                    Some((key, prefix)) => v[key] = json!(format!("{prefix}{:06}", i + 1)),
                    None => v["bill_number"] = json!(format!("BILL-{:06}", i + 1)),
                }
                v
            }
            "expenses" => json!({
                "date": date,
                "account_id": format!("{org_id}000000000361"),
                "account_name": "Office Supplies",
                "paid_through_account_id": format!("{org_id}000000000412"),
                "paid_through_account_name": "Petty Cash",
                "amount": (h % 40_000) as f64 / 100.0,
                "description": format!("Seeded expense number {}.", i + 1),
                "status": "nonbillable",
            }),
            "projects" => {
                let (customer_id, customer_name) = self.contact_ref(kind.path, i, 5);
                json!({
                    "project_name": format!("Project {} {}", pick(NAMES, h), i + 1),
                    "customer_id": customer_id,
                    "customer_name": customer_name,
                    "billing_type": "based_on_project_hours",
                    "user_id": format!("{org_id}000000000007"),
                    "status": "active",
                    "description": format!("Seeded project number {}.", i + 1),
                })
            }
            "tasks" => json!({
                "project_id": self.nth("projects", h).map(|(_, p)| p.to_string()),
                "task_name": format!("Task {}", i + 1),
                "rate": (h % 200 + 20) as f64,
                "status": pick(&["open", "in_progress", "completed"], h >> 12),
            }),
            "customerpayments" | "vendorpayments" => {
                let (contact_id, contact_name) = self.contact_ref(kind.path, i, 6);
                let (id_key, name_key) = if kind.path == "customerpayments" {
                    ("customer_id", "customer_name")
                } else {
                    ("vendor_id", "vendor_name")
                };
                json!({
                    id_key: contact_id,
                    name_key: contact_name,
                    "payment_mode": pick(&["cash", "check", "banktransfer", "creditcard"], h >> 8),
                    "amount": (h % 50_000) as f64 / 10.0,
                    "date": date,
                    "reference_number": format!("REF-{:06}", i + 1),
                })
            }
            "recurringinvoices" => {
                let (customer_id, customer_name) = self.contact_ref(kind.path, i, 7);
                json!({
                    "recurrence_name": format!("Monthly retainer {}", i + 1),
                    "customer_id": customer_id,
                    "customer_name": customer_name,
                    "recurrence_frequency": "months",
                    "repeat_every": 1,
                    "start_date": date,
                    "status": "active",
                })
            }
            "vendorcredits" => {
                let (vendor_id, vendor_name) = self.contact_ref(kind.path, i, 8);
                json!({
                    "vendor_id": vendor_id,
                    "vendor_name": vendor_name,
                    "vendor_credit_number": format!("DN-{:05}", i + 1),
                    "date": date,
                    "total": (h % 20_000) as f64 / 10.0,
                    "status": "open",
                })
            }
            "journals" => json!({
                "journal_date": date,
                "entry_number": format!("{}", i + 1),
                "reference_number": format!("JRN-{:05}", i + 1),
                "notes": format!("Seeded journal number {}.", i + 1),
                "total": (h % 100_000) as f64 / 10.0,
            }),
            "chartofaccounts" => json!({
                "account_name": format!("{} {}", pick(&["Office", "Travel", "Software", "Rent", "Utilities"], h), i + 1),
                "account_type": pick(&["expense", "income", "other_current_asset", "fixed_asset"], h >> 8),
                "is_active": true,
            }),
            "bankaccounts" => json!({
                "account_name": format!("Operating account {}", i + 1),
                "account_type": pick(&["bank", "credit_card"], h),
                "currency_code": "USD",
                "balance": (h % 1_000_000) as f64 / 10.0,
                "is_active": true,
            }),
            "timeentries" => json!({
                "project_id": self.nth("projects", h).map(|(_, p)| p.to_string()),
                "task_id": self.nth("tasks", h >> 4).map(|(_, t)| t.to_string()),
                "user_id": (h % 1_000 + 1).to_string(),
                "log_date": date,
                "log_time": format!("{:02}:{:02}", h % 8 + 1, (h >> 8) % 4 * 15),
                "is_billable": h.is_multiple_of(2),
            }),
            "employees" => json!({
                "name": format!("{} {}", pick(NAMES, h), i + 1),
                "email": format!("employee{}@example.com", i + 1),
            }),
            "taxes" => json!({
                "tax_name": format!("Tax {}", i + 1),
                "tax_percentage": (h % 25) as f64,
                "tax_type": "tax",
            }),
            _ => json!({}),
        };
        if let (Some(map), Some(extra)) = (r.as_object_mut(), extra.as_object()) {
            for (k, v) in extra {
                map.insert(k.clone(), v.clone());
            }
        }
        match r {
            Value::Object(map) => map,
            _ => Record::new(),
        }
    }
}

impl Books {
    /// Two organizations; the first gets `records` × each type's share, the second half that.
    /// Nothing is generated until a type is first used.
    pub(crate) fn new(seed: u64, records: usize) -> Books {
        let specs = [
            ("10234695", "Zylker Sandbox Inc", true, 1usize),
            ("10234696", "Zylker Sandbox Europe", false, 2),
        ];
        let orgs = specs
            .iter()
            .map(|(id, name, is_default, divisor)| {
                let org_number: u64 = id.parse().unwrap_or(10_234_695);
                let counts = KINDS
                    .iter()
                    .map(|kind| {
                        let share =
                            records.saturating_mul(kind.per_thousand_leads) / 1_000 / divisor;
                        (kind.path, if records == 0 { 0 } else { share.max(2) })
                    })
                    .collect();
                Org {
                    id,
                    name,
                    is_default: *is_default,
                    stores: KINDS.iter().map(|k| (k.path, OnceLock::new())).collect(),
                    seeder: Seeder {
                        seed,
                        org_number,
                        org_id: id,
                        counts,
                    },
                    next_id: AtomicU64::new(Seeder::first_new_id(org_number)),
                    per_minute: Window::default(),
                    per_day: Window::default(),
                    in_flight: Gauge::default(),
                }
            })
            .collect();
        Books { orgs }
    }

    /// The organization with this id.
    pub(crate) fn org(&self, id: &str) -> Option<&Org> {
        self.orgs.iter().find(|o| o.id == id)
    }
}

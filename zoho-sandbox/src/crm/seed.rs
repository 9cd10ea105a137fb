//! Deterministic seeded CRM records. A seeded record is never stored: each field is computed
//! from (seed, module, index), so a sandbox with 200,000 Leads starts at once and the same seed
//! always gives the same data.

use serde_json::{Value, json};

use super::schema::{FieldDef, Kind, ModuleDef, module_by_name};
use crate::clock;

/// The seed and how many records each module was seeded with (by module number).
#[derive(Debug, Clone, Copy)]
pub(crate) struct SeedCtx {
    pub seed: u64,
    pub counts: [u32; 6],
}

/// The users records are owned by: (name, id, email).
pub(crate) const USERS: [(&str, &str, &str); 3] = [
    (
        "Sandbox Admin",
        "4150868000000225013",
        "admin@sandbox.example",
    ),
    (
        "Patricia Boyle",
        "4150868000000225021",
        "patricia.boyle@sandbox.example",
    ),
    (
        "Kris Marrier",
        "4150868000000225033",
        "kris.marrier@sandbox.example",
    ),
];

/// `{"name","id","email"}` of an owner.
pub(crate) fn owner(index: usize) -> Value {
    let (name, id, email) = USERS[index % USERS.len()];
    json!({"name": name, "id": id, "email": email})
}

/// `{"name","id"}` of the admin, who creates and modifies through the API.
pub(crate) fn admin() -> Value {
    let (name, id, _) = USERS[0];
    json!({"name": name, "id": id})
}

/// 2024-01-01T00:00:00Z: seeded records were created after it.
pub(crate) const SEED_EPOCH: i64 = 1_704_067_200;
const ID_STRIDE: u64 = 37;
const ID_OFFSET: u64 = 1_000;

const FIRST: &[&str] = &[
    "James",
    "Mary",
    "John",
    "Patricia",
    "Robert",
    "Jennifer",
    "Michael",
    "Linda",
    "William",
    "Elizabeth",
    "David",
    "Barbara",
    "Richard",
    "Susan",
    "Joseph",
    "Jessica",
    "Thomas",
    "Sarah",
    "Charles",
    "Karen",
    "Aiko",
    "Mateo",
    "Priya",
    "Lars",
    "Amara",
    "Chen",
    "Fatima",
    "Olga",
];
const LAST: &[&str] = &[
    "Smith",
    "Johnson",
    "Williams",
    "Brown",
    "Jones",
    "Garcia",
    "Miller",
    "Davis",
    "Rodriguez",
    "Martinez",
    "Hernandez",
    "Lopez",
    "Gonzalez",
    "Wilson",
    "Anderson",
    "Thomas",
    "Taylor",
    "Moore",
    "Jackson",
    "Martin",
    "Lee",
    "Perez",
    "Thompson",
    "White",
    "Harris",
    "Sanchez",
];
const COMPANY_WORDS: &[&str] = &[
    "Acme",
    "Globex",
    "Initech",
    "Umbrella",
    "Stark",
    "Wayne",
    "Wonka",
    "Tyrell",
    "Cyberdyne",
    "Soylent",
    "Hooli",
    "Vandelay",
    "Northwind",
    "Contoso",
    "Fabrikam",
    "Zenith",
];
const COMPANY_SUFFIXES: &[&str] = &["Inc", "LLC", "Ltd", "GmbH", "Group", "Corp"];
const CITIES: &[&str] = &[
    "Chennai", "Austin", "Berlin", "London", "Toronto", "Sydney", "Tokyo", "Paris",
];
const PRODUCTS: &[&str] = &[
    "CRM rollout",
    "Support plan",
    "Hardware refresh",
    "Analytics",
    "Training",
];

fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

fn pick<'a>(list: &[&'a str], h: u64) -> &'a str {
    list[usize::try_from(h % list.len() as u64).unwrap_or(0)]
}

impl SeedCtx {
    fn hash(&self, def: &ModuleDef, index: u32, salt: u64) -> u64 {
        mix(self.seed ^ mix(def.number << 40 ^ u64::from(index) ^ mix(salt)))
    }

    /// How many records of this module were seeded.
    pub(crate) fn count(&self, def: &ModuleDef) -> u32 {
        self.counts[usize::try_from(def.number).unwrap_or(0) % self.counts.len()]
    }

    /// The id of seeded record `index`.
    pub(crate) fn id(def: &ModuleDef, index: u32) -> u64 {
        def.id_base() + ID_OFFSET + u64::from(index) * ID_STRIDE
    }

    /// The index of a seeded record's id, if the id is one.
    pub(crate) fn index_of(&self, def: &ModuleDef, id: u64) -> Option<u32> {
        let offset = id.checked_sub(def.id_base() + ID_OFFSET)?;
        if offset % ID_STRIDE != 0 {
            return None;
        }
        let index = u32::try_from(offset / ID_STRIDE).ok()?;
        (index < self.count(def)).then_some(index)
    }

    /// The first id new records of this module get: above every seeded id.
    pub(crate) fn first_new_id(def: &ModuleDef) -> u64 {
        def.id_base() + 50_000_000_000
    }

    /// When seeded record `index` was created.
    pub(crate) fn created(def: &ModuleDef, index: u32) -> i64 {
        SEED_EPOCH + i64::from(index) * 47 + i64::try_from(def.number).unwrap_or(0) * 13
    }

    fn first_name(&self, def: &ModuleDef, index: u32) -> &'static str {
        pick(FIRST, self.hash(def, index, 1))
    }

    fn last_name(&self, def: &ModuleDef, index: u32) -> &'static str {
        pick(LAST, self.hash(def, index, 2))
    }

    fn account_name(&self, index: u32) -> String {
        let Some(def) = module_by_name("Accounts") else {
            return String::new();
        };
        format!(
            "{} {} {}",
            pick(COMPANY_WORDS, self.hash(def, index, 3)),
            pick(COMPANY_SUFFIXES, self.hash(def, index, 4)),
            index + 1
        )
    }

    fn lookup(&self, target: &str, from: u32, salt: u64, def: &ModuleDef) -> Value {
        let Some(target_def) = module_by_name(target) else {
            return Value::Null;
        };
        let count = self.count(target_def);
        if count == 0 {
            return Value::Null;
        }
        let index = u32::try_from(self.hash(def, from, salt) % u64::from(count)).unwrap_or(0);
        let name = match target {
            "Accounts" => self.account_name(index),
            "Contacts" => format!(
                "{} {}",
                self.first_name(target_def, index),
                self.last_name(target_def, index)
            ),
            _ => self.text_value(target_def, index, target_def.fields.get(2)),
        };
        json!({"name": name, "id": Self::id(target_def, index).to_string()})
    }

    fn text_value(&self, def: &ModuleDef, index: u32, field: Option<&FieldDef>) -> String {
        field
            .map(|f| self.value(def, index, f))
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_default()
    }

    /// One field of seeded record `index`.
    pub(crate) fn value(&self, def: &ModuleDef, index: u32, field: &FieldDef) -> Value {
        let h = self.hash(
            def,
            index,
            field.api_name.len() as u64 * 131 + u64::from(field.api_name.as_bytes()[0]),
        );
        let created = Self::created(def, index);
        match field.api_name {
            "id" => return Value::String(Self::id(def, index).to_string()),
            "Owner" => return owner(usize::try_from(h % 3).unwrap_or(0)),
            "Created_Time" => return Value::String(clock::crm_datetime(created)),
            "Modified_Time" => {
                let modified = created + i64::try_from(h % (30 * 86_400)).unwrap_or(0);
                return Value::String(clock::crm_datetime(modified));
            }
            "Created_By" | "Modified_By" => return admin(),
            "First_Name" => return Value::from(self.first_name(def, index)),
            "Last_Name" => return Value::from(self.last_name(def, index)),
            "Description" => {
                return Value::String(format!("Seeded {} number {}.", def.singular, index + 1));
            }
            _ => {}
        }
        match (def.api_name, field.api_name) {
            ("Leads" | "Contacts", "Email") => {
                let domain = if def.api_name == "Leads" {
                    "example.com"
                } else {
                    "mail.example.org"
                };
                Value::String(format!(
                    "{}.{}{}@{domain}",
                    self.first_name(def, index).to_ascii_lowercase(),
                    self.last_name(def, index).to_ascii_lowercase(),
                    index + 1
                ))
            }
            (_, "Phone") => Value::String(format!("+1 555 {:03} {:04}", h % 1000, index % 10_000)),
            ("Leads", "Company") => Value::String(format!(
                "{} {}",
                pick(COMPANY_WORDS, h),
                pick(COMPANY_SUFFIXES, h >> 8)
            )),
            ("Accounts", "Account_Name") => Value::String(self.account_name(index)),
            ("Accounts", "Website") => Value::String(format!(
                "https://www.{}{}.example",
                pick(COMPANY_WORDS, self.hash(def, index, 3)).to_ascii_lowercase(),
                index + 1
            )),
            ("Contacts", "Mailing_City") => Value::from(pick(CITIES, h)),
            ("Contacts", "Date_of_Birth") => {
                let days = i64::try_from(h % (50 * 365)).unwrap_or(0);
                Value::String(clock::date(-631_152_000 + days * 86_400))
            }
            ("Deals", "Deal_Name") => {
                Value::String(format!("{} #{}", pick(PRODUCTS, h), index + 1))
            }
            ("Deals", "Closing_Date") => Value::String(clock::date(
                created + i64::try_from(h % (120 * 86_400)).unwrap_or(0),
            )),
            ("Deals", "Probability") => Value::from(h % 10 * 10),
            ("Shipments", "Name") => Value::String(format!("SHP-{:06}", index + 1)),
            ("Shipments", "Tracking_Number") => {
                Value::String(format!("1Z{:08X}{:08}", h & 0xFFFF_FFFF, index + 1))
            }
            ("Shipments", "Ship_Date") => Value::String(clock::date(created)),
            _ => self.value_by_kind(def, index, field, h),
        }
    }

    fn value_by_kind(&self, def: &ModuleDef, index: u32, field: &FieldDef, h: u64) -> Value {
        match field.kind {
            Kind::Picklist if !field.picklist.is_empty() => Value::from(pick(field.picklist, h)),
            Kind::Integer => Value::from(h % 5_000 + 1),
            Kind::Currency => Value::from((h % 5_000) as f64 * 1_000.0),
            Kind::Double => Value::from((h % 10_000) as f64 / 100.0),
            Kind::Boolean => Value::from(h.is_multiple_of(7)),
            Kind::Lookup(target) => self.lookup(target, index, 17, def),
            _ => Value::Null,
        }
    }

    /// The whole seeded record, every field in schema order.
    pub(crate) fn record(&self, def: &ModuleDef, index: u32) -> serde_json::Map<String, Value> {
        def.fields
            .iter()
            .map(|f| (f.api_name.to_owned(), self.value(def, index, f)))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_data_and_ids_round_trip() {
        let ctx = SeedCtx {
            seed: 7,
            counts: [0, 100, 50, 20, 25, 10],
        };
        let other = SeedCtx { seed: 8, ..ctx };
        let leads = module_by_name("Leads")
            .map(|m| (ctx.record(m, 5), ctx.record(m, 5), other.record(m, 5)));
        let Some((a, b, c)) = leads else {
            panic!("Leads module missing")
        };
        assert_eq!(a, b);
        assert_ne!(a, c);
        let Some(def) = module_by_name("Leads") else {
            panic!("Leads module missing")
        };
        let id = SeedCtx::id(def, 42);
        assert_eq!(id.to_string().len(), 19);
        assert_eq!(ctx.index_of(def, id), Some(42));
        assert_eq!(ctx.index_of(def, id + 1), None);
        assert_eq!(ctx.index_of(def, SeedCtx::id(def, 100)), None);
    }
}

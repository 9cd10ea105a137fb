//! The records of one CRM module: seeded records computed on demand, plus what was written
//! through the API. Each module sits behind its own lock.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use serde_json::{Map, Value};

use super::schema::{FieldDef, Kind, ModuleDef};
use super::seed::SeedCtx;

/// A record as stored: field API name to value.
pub(crate) type Record = Map<String, Value>;

type ValueIndex = HashMap<(&'static str, String), BTreeSet<u64>>;

/// One record, wherever it lives.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Rec<'a> {
    Seeded(u32),
    Stored(&'a Record),
}

/// The records of one module.
#[derive(Debug)]
pub(crate) struct ModuleStore {
    pub def: &'static ModuleDef,
    pub ctx: SeedCtx,
    deleted: HashSet<u32>,
    overrides: HashMap<u32, Record>,
    created: BTreeMap<u64, Record>,
    next_id: u64,
    /// (field, lower-cased value) to record ids, for unique and duplicate-check fields; built
    /// on the first write.
    index: Option<ValueIndex>,
    /// Records deleted through the API, oldest first: the recycle bin `/{module}/deleted` lists.
    trash: Vec<Trashed>,
}

/// A record in the recycle bin.
#[derive(Debug, Clone)]
pub(crate) struct Trashed {
    pub id: u64,
    pub display_name: String,
    pub created_by: Value,
    pub deleted_time: String,
}

impl ModuleStore {
    /// An empty store over the seeded records.
    pub(crate) fn new(def: &'static ModuleDef, ctx: SeedCtx) -> ModuleStore {
        ModuleStore {
            def,
            ctx,
            deleted: HashSet::new(),
            overrides: HashMap::new(),
            created: BTreeMap::new(),
            next_id: SeedCtx::first_new_id(def),
            index: None,
            trash: Vec::new(),
        }
    }

    /// The record with this id.
    pub(crate) fn get(&self, id: u64) -> Option<Rec<'_>> {
        if let Some(index) = self.ctx.index_of(self.def, id) {
            if self.deleted.contains(&index) {
                return None;
            }
            return Some(match self.overrides.get(&index) {
                Some(record) => Rec::Stored(record),
                None => Rec::Seeded(index),
            });
        }
        self.created.get(&id).map(Rec::Stored)
    }

    /// One field of a record (`Value::Null` when empty).
    pub(crate) fn field(&self, rec: Rec<'_>, field: &FieldDef) -> Value {
        match rec {
            // Seeded records have no tags until a tag action stores them.
            Rec::Seeded(_) if std::ptr::eq(field, &super::schema::TAG_FIELD) => {
                Value::Array(Vec::new())
            }
            Rec::Seeded(index) => self.ctx.value(self.def, index, field),
            Rec::Stored(record) if std::ptr::eq(field, &super::schema::TAG_FIELD) => record
                .get("Tag")
                .cloned()
                .unwrap_or_else(|| Value::Array(Vec::new())),
            Rec::Stored(record) => record.get(field.api_name).cloned().unwrap_or(Value::Null),
        }
    }

    /// The record's name as lookups and `Parent_Id` show it: `First_Name Last_Name` for people,
    /// the module's first own field (`Account_Name`, `Deal_Name`, `Name`) otherwise.
    pub(crate) fn display_name(&self, rec: Rec<'_>) -> String {
        let text = |name: &str| {
            self.def
                .fields
                .iter()
                .find(|f| f.api_name == name)
                .map(|f| self.field(rec, f))
                .and_then(|v| v.as_str().map(str::to_owned))
                .unwrap_or_default()
        };
        let has = |name: &str| self.def.fields.iter().any(|f| f.api_name == name);
        if has("First_Name") && has("Last_Name") {
            return format!("{} {}", text("First_Name"), text("Last_Name"))
                .trim()
                .to_owned();
        }
        self.def
            .fields
            .get(2)
            .map(|f| text(f.api_name))
            .unwrap_or_default()
    }

    /// The record's id.
    pub(crate) fn id_of(&self, rec: Rec<'_>) -> u64 {
        match rec {
            Rec::Seeded(index) => SeedCtx::id(self.def, index),
            Rec::Stored(record) => record
                .get("id")
                .and_then(Value::as_str)
                .and_then(|s| s.parse().ok())
                .unwrap_or(0),
        }
    }

    /// The record as JSON: every field, or `id` plus the named ones.
    pub(crate) fn render(&self, rec: Rec<'_>, fields: Option<&[&'static FieldDef]>) -> Record {
        match fields {
            None => match rec {
                Rec::Seeded(index) => self.ctx.record(self.def, index),
                Rec::Stored(record) => record.clone(),
            },
            Some(fields) => {
                let mut out = Record::new();
                out.insert("id".into(), Value::String(self.id_of(rec).to_string()));
                for field in fields {
                    out.insert(field.api_name.to_owned(), self.field(rec, field));
                }
                out
            }
        }
    }

    /// Every live record in id order (ascending).
    pub(crate) fn iter(&self) -> impl DoubleEndedIterator<Item = Rec<'_>> + '_ {
        let seeded = (0..self.ctx.count(self.def))
            .filter(|i| !self.deleted.contains(i))
            .map(|i| match self.overrides.get(&i) {
                Some(record) => Rec::Stored(record),
                None => Rec::Seeded(i),
            });
        seeded.chain(self.created.values().map(Rec::Stored))
    }

    /// `len` live records from position `offset` in id order, without walking the records
    /// before it when nothing was deleted (deep pages of a large module stay cheap).
    pub(crate) fn slice(&self, offset: usize, len: usize, descending: bool) -> Vec<Rec<'_>> {
        if !self.deleted.is_empty() {
            return if descending {
                self.iter().rev().skip(offset).take(len).collect()
            } else {
                self.iter().skip(offset).take(len).collect()
            };
        }
        let seeded = usize::try_from(self.ctx.count(self.def)).unwrap_or(0);
        let rec_of = |i: usize| {
            let index = u32::try_from(i).unwrap_or(u32::MAX);
            match self.overrides.get(&index) {
                Some(record) => Rec::Stored(record),
                None => Rec::Seeded(index),
            }
        };
        let created = self.created.len();
        if descending {
            let newest = self.created.values().rev().skip(offset).map(Rec::Stored);
            let from_seeded = offset.saturating_sub(created);
            let older = (0..seeded.saturating_sub(from_seeded)).rev().map(rec_of);
            newest.chain(older).take(len).collect()
        } else {
            let oldest = (offset.min(seeded)..seeded).map(rec_of);
            let newer = self
                .created
                .values()
                .skip(offset.saturating_sub(seeded))
                .map(Rec::Stored);
            oldest.chain(newer).take(len).collect()
        }
    }

    /// Fields looked up by value: unique ones and upsert's duplicate-check ones.
    fn indexed_fields(&self) -> impl Iterator<Item = &'static FieldDef> + use<> {
        let def: &'static ModuleDef = self.def;
        def.fields
            .iter()
            .filter(move |f| f.unique || def.duplicate_check.contains(&f.api_name))
    }

    fn value_index(&mut self) -> &mut ValueIndex {
        if self.index.is_none() {
            let mut index = ValueIndex::new();
            let fields: Vec<&'static FieldDef> = self.indexed_fields().collect();
            for rec in self.iter() {
                let id = self.id_of(rec);
                for field in &fields {
                    if let Some(text) = self.field(rec, field).as_str() {
                        index
                            .entry((field.api_name, text.to_lowercase()))
                            .or_default()
                            .insert(id);
                    }
                }
            }
            self.index = Some(index);
        }
        self.index.get_or_insert_with(ValueIndex::new)
    }

    /// The record already holding `value` in a unique field, other than `except`.
    pub(crate) fn unique_holder(
        &mut self,
        field: &'static FieldDef,
        value: &str,
        except: Option<u64>,
    ) -> Option<u64> {
        self.value_index()
            .get(&(field.api_name, value.to_lowercase()))
            .and_then(|ids| ids.iter().copied().find(|id| Some(*id) != except))
    }

    /// The first record whose `field` equals `value` (case-insensitively), for upsert.
    pub(crate) fn find_by(&mut self, field: &'static FieldDef, value: &Value) -> Option<u64> {
        if self.indexed_fields().any(|f| std::ptr::eq(f, field)) {
            return value
                .as_str()
                .and_then(|v| self.unique_holder(field, v, None));
        }
        let wanted = value.as_str().map(str::to_lowercase);
        self.iter()
            .find(|rec| {
                let have = self.field(*rec, field);
                match (&wanted, have.as_str()) {
                    (Some(w), Some(h)) => h.to_lowercase() == *w,
                    _ => have == *value,
                }
            })
            .map(|rec| self.id_of(rec))
    }

    fn reindex(&mut self, id: u64, old: Option<&Record>, new: Option<&Record>) {
        let fields: Vec<&'static FieldDef> = self.indexed_fields().collect();
        if fields.is_empty() {
            return;
        }
        let index = self.value_index();
        for field in fields {
            if let Some(text) = old
                .and_then(|r| r.get(field.api_name))
                .and_then(Value::as_str)
            {
                let key = (field.api_name, text.to_lowercase());
                if let Some(ids) = index.get_mut(&key) {
                    ids.remove(&id);
                    if ids.is_empty() {
                        index.remove(&key);
                    }
                }
            }
            if let Some(text) = new
                .and_then(|r| r.get(field.api_name))
                .and_then(Value::as_str)
            {
                index
                    .entry((field.api_name, text.to_lowercase()))
                    .or_default()
                    .insert(id);
            }
        }
    }

    /// Stores a new record; returns its id.
    pub(crate) fn insert(&mut self, mut record: Record) -> u64 {
        let id = self.next_id;
        self.next_id += 37;
        record.insert("id".into(), Value::String(id.to_string()));
        self.reindex(id, None, Some(&record));
        self.created.insert(id, record);
        id
    }

    /// Replaces a record (materializing it first if it was seeded).
    pub(crate) fn replace(&mut self, id: u64, record: Record) {
        let old = self.get(id).map(|rec| self.render(rec, None));
        self.reindex(id, old.as_ref(), Some(&record));
        match self.ctx.index_of(self.def, id) {
            Some(index) => {
                self.overrides.insert(index, record);
            }
            None => {
                self.created.insert(id, record);
            }
        }
    }

    /// Deletes a record into the recycle bin, as a delete through the API does; false when there
    /// was none.
    pub(crate) fn trash(&mut self, id: u64, deleted_time: &str) -> bool {
        let Some(rec) = self.get(id) else {
            return false;
        };
        let display_name = self.display_name(rec);
        let created_by = self
            .def
            .field("Created_By")
            .map(|f| self.field(rec, f))
            .unwrap_or(Value::Null);
        self.trash.push(Trashed {
            id,
            display_name,
            created_by,
            deleted_time: deleted_time.to_owned(),
        });
        self.delete(id)
    }

    /// The recycle bin, most recently deleted first.
    pub(crate) fn trashed(&self) -> impl Iterator<Item = &Trashed> {
        self.trash.iter().rev()
    }

    /// Live records, without walking them when nothing was deleted.
    pub(crate) fn len(&self) -> usize {
        let seeded = self.ctx.count(self.def) as usize;
        seeded - self.deleted.len().min(seeded) + self.created.len()
    }

    /// Deletes a record; false when there was none.
    pub(crate) fn delete(&mut self, id: u64) -> bool {
        let Some(old) = self.get(id).map(|rec| self.render(rec, None)) else {
            return false;
        };
        self.reindex(id, Some(&old), None);
        match self.ctx.index_of(self.def, id) {
            Some(index) => {
                self.overrides.remove(&index);
                self.deleted.insert(index);
            }
            None => {
                self.created.remove(&id);
            }
        }
        true
    }
}

/// Whether a value is empty for a mandatory check.
pub(crate) fn is_blank(value: Option<&Value>) -> bool {
    match value {
        None | Some(Value::Null) => true,
        Some(Value::String(s)) => s.trim().is_empty(),
        Some(Value::Array(a)) => a.is_empty(),
        _ => false,
    }
}

/// Whether a value fits a field's JSON type.
pub(crate) fn fits(kind: Kind, value: &Value) -> bool {
    if value.is_null() {
        return true;
    }
    match kind {
        Kind::Integer => value.is_i64() || value.is_u64(),
        Kind::Double | Kind::Currency => value.is_number(),
        Kind::Boolean => value.is_boolean(),
        Kind::Lookup(_) | Kind::OwnerLookup | Kind::UserLookup => super::lookup_id(value)
            .is_some_and(|id| !id.is_empty() && id.bytes().all(|b| b.is_ascii_digit())),
        _ => value.is_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crm::schema::module_by_name;

    fn ids(store: &ModuleStore, recs: &[Rec<'_>]) -> Vec<u64> {
        recs.iter().map(|r| store.id_of(*r)).collect()
    }

    #[test]
    fn slices_match_walking_the_records() {
        let Some(def) = module_by_name("Leads") else {
            panic!("no Leads")
        };
        let ctx = SeedCtx {
            seed: 1,
            counts: [0, 5, 0, 0, 0, 0],
        };
        let mut store = ModuleStore::new(def, ctx);
        store.insert(Record::new());
        store.insert(Record::new());
        let check = |store: &ModuleStore| {
            for offset in 0..9 {
                for len in [1, 3, 10] {
                    let walked: Vec<Rec<'_>> = store.iter().skip(offset).take(len).collect();
                    assert_eq!(
                        ids(store, &store.slice(offset, len, false)),
                        ids(store, &walked),
                        "asc {offset} {len}"
                    );
                    let walked: Vec<Rec<'_>> = store.iter().rev().skip(offset).take(len).collect();
                    assert_eq!(
                        ids(store, &store.slice(offset, len, true)),
                        ids(store, &walked),
                        "desc {offset} {len}"
                    );
                }
            }
        };
        check(&store);
        assert!(store.delete(SeedCtx::id(def, 2)));
        check(&store);
    }
}

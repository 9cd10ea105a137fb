//! `POST /crm/{v}/Leads/{id}/actions/convert`: the lead becomes a Contact, an Account (from its
//! Company, or the one named) and optionally a Deal; the lead leaves the Leads module.
//! The answer's shape is not in the facts; it follows the other v3+ write answers.

use serde_json::{Map, Value, json};

use super::records::blank;
use super::schema::{ModuleDef, module_by_name};
use super::seed::admin;
use super::store::{Record, is_blank};
use super::watch::{self, Change, Operation};
use super::{Ctx, errors, id_text, lookup_id, parse_id};
use crate::clock;
use crate::http::Reply;

fn invalid_id(ctx: &Ctx<'_>) -> Reply {
    errors::error(
        ctx.route,
        400,
        "INVALID_DATA",
        "the id given seems to be invalid",
        json!({"resource_path_index": 1}),
    )
}

/// Reads one record (the lock is released before returning).
fn read(ctx: &Ctx<'_>, def: &ModuleDef, id: u64) -> Option<Record> {
    let store = ctx.store(def).read().ok()?;
    store.get(id).map(|rec| store.render(rec, None))
}

/// Inserts one record (taking only this module's lock); returns its id.
fn create(ctx: &Ctx<'_>, def: &ModuleDef, fields: Vec<(&str, Value)>, now: &str) -> Option<u64> {
    let mut record = blank(def, now);
    for (key, value) in fields {
        record.insert(key.to_owned(), value);
    }
    record.insert("Modified_Time".into(), Value::from(now));
    record.insert("Modified_By".into(), admin());
    let mut store = ctx.store(def).write().ok()?;
    let id = store.insert(record);
    drop(store);
    // Created because a lead was converted: an action on a related record (wave2.md §1.2).
    let mut change = Change::new(ctx.state, def, Operation::Insert).related();
    change.record(id, Map::new);
    watch::notify(ctx.state, change);
    Some(id)
}

fn reference(body: Option<&Value>, key: &str) -> Option<u64> {
    let value = body?.get("data")?.get(0)?.get(key)?;
    let text = id_text(value).or_else(|| lookup_id(value))?;
    parse_id(&text)
}

/// Converts a lead.
pub(crate) fn convert(
    ctx: &Ctx<'_>,
    def: &'static ModuleDef,
    id: &str,
    body: Option<&Value>,
) -> Reply {
    let (Some(accounts), Some(contacts), Some(deals)) = (
        module_by_name("Accounts"),
        module_by_name("Contacts"),
        module_by_name("Deals"),
    ) else {
        return errors::invalid_url(ctx.route);
    };
    let Some(lead_id) = parse_id(id) else {
        return invalid_id(ctx);
    };
    let Some(lead) = read(ctx, def, lead_id) else {
        return invalid_id(ctx);
    };
    let now = clock::crm_datetime(ctx.state.clock.epoch_secs());
    let text = |key: &str| lead.get(key).cloned().unwrap_or(Value::Null);

    // Locks are taken one module at a time, never two at once.
    let account = match reference(body, "Accounts") {
        Some(account_id) => match read(ctx, accounts, account_id) {
            Some(record) => Some((
                account_id,
                record.get("Account_Name").cloned().unwrap_or(Value::Null),
            )),
            None => {
                return errors::error(
                    ctx.route,
                    400,
                    "INVALID_DATA",
                    "the related id given seems to be invalid",
                    json!({"api_name": "Accounts", "json_path": "$.data[0].Accounts"}),
                );
            }
        },
        None if !is_blank(lead.get("Company")) => {
            let company = text("Company");
            let existing = accounts.field("Account_Name").and_then(|field| {
                ctx.store(accounts)
                    .write()
                    .ok()
                    .and_then(|mut s| s.find_by(field, &company))
            });
            match existing {
                Some(account_id) => Some((account_id, company)),
                None => create(
                    ctx,
                    accounts,
                    vec![("Account_Name", company.clone()), ("Phone", text("Phone"))],
                    &now,
                )
                .map(|id| (id, company)),
            }
        }
        None => None,
    };
    let account_lookup = account
        .as_ref()
        .map(|(id, name)| json!({"name": name, "id": id.to_string()}));
    let contact_name = format!(
        "{} {}",
        lead.get("First_Name").and_then(Value::as_str).unwrap_or(""),
        lead.get("Last_Name").and_then(Value::as_str).unwrap_or("")
    )
    .trim()
    .to_owned();
    let contact = match reference(body, "Contacts") {
        Some(contact_id) if read(ctx, contacts, contact_id).is_some() => Some(contact_id),
        Some(_) => {
            return errors::error(
                ctx.route,
                400,
                "INVALID_DATA",
                "the related id given seems to be invalid",
                json!({"api_name": "Contacts", "json_path": "$.data[0].Contacts"}),
            );
        }
        None => create(
            ctx,
            contacts,
            vec![
                ("First_Name", text("First_Name")),
                ("Last_Name", text("Last_Name")),
                ("Email", text("Email")),
                ("Phone", text("Phone")),
                ("Description", text("Description")),
                (
                    "Account_Name",
                    account_lookup.clone().unwrap_or(Value::Null),
                ),
            ],
            &now,
        ),
    };
    let Some(contact_id) = contact else {
        return errors::internal(ctx.route);
    };
    let deal = match body.and_then(|b| b.get("data")?.get(0)?.get("Deals")) {
        Some(Value::Object(fields)) => {
            for mandatory in deals.mandatory() {
                if is_blank(fields.get(mandatory.api_name)) {
                    return errors::error(
                        ctx.route,
                        400,
                        "MANDATORY_NOT_FOUND",
                        "required field not found",
                        json!({"api_name": mandatory.api_name, "json_path": format!("$.data[0].Deals.{}", mandatory.api_name)}),
                    );
                }
            }
            let mut values: Vec<(&str, Value)> = fields
                .iter()
                .filter_map(|(k, v)| {
                    deals
                        .field(k)
                        .filter(|f| !f.read_only && !f.kind.is_lookup())
                        .map(|f| (f.api_name, v.clone()))
                })
                .collect();
            values.push((
                "Account_Name",
                account_lookup.clone().unwrap_or(Value::Null),
            ));
            values.push((
                "Contact_Name",
                json!({"name": contact_name, "id": contact_id.to_string()}),
            ));
            let name = fields.get("Deal_Name").cloned().unwrap_or(Value::Null);
            create(ctx, deals, values, &now).map(|id| json!({"name": name, "id": id.to_string()}))
        }
        _ => None,
    };
    let removed = ctx
        .store(def)
        .write()
        .is_ok_and(|mut store| store.delete(lead_id));
    if removed {
        let mut change = Change::new(ctx.state, def, Operation::Delete);
        change.record(lead_id, Map::new);
        watch::notify(ctx.state, change);
    }
    Reply::json(
        ctx.route,
        200,
        &json!({"data": [{
            "code": "SUCCESS",
            "details": {
                "Contacts": {"name": contact_name, "id": contact_id.to_string()},
                "Accounts": account_lookup,
                "Deals": deal,
            },
            "message": "lead converted successfully",
            "status": "success",
        }]}),
    )
}

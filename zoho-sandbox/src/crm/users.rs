//! `users` and `org`: who the token acts as and the organization it acts in. Zoho's official
//! SDKs call `GET /users?type=CurrentUser` on every token they generate, so these shapes follow
//! the SDKs' own model of the answers (their `json_details.json`: field names and types), which is
//! the most exact public description of them.

use serde_json::{Value, json};

use super::seed::{SEED_EPOCH, USERS};
use super::{Ctx, errors, parse_id};
use crate::clock;
use crate::http::Reply;

/// The sandbox organization's id, as CRM reports it in `org` (and as `soid=ZohoCRM.<id>` names it).
pub(crate) const ORG_ID: &str = "4150868000000000011";
/// The organization's `zgid`, which bulk write uploads name in `X-CRM-ORG`.
pub(crate) const ORG_ZGID: &str = "70000001";
/// Largest `per_page` for the users list (Zoho: 200).
const USERS_MAX_PER_PAGE: usize = 200;

/// The `type` filter values Zoho documents for `GET /users`.
const USER_TYPES: [&str; 9] = [
    "AllUsers",
    "ActiveUsers",
    "DeactiveUsers",
    "ConfirmedUsers",
    "NotConfirmedUsers",
    "DeletedUsers",
    "ActiveConfirmedUsers",
    "AdminUsers",
    "ActiveConfirmedAdmins",
];

/// `GET /crm/{v}/users[?type=...&page=&per_page=]`.
pub(crate) fn list(ctx: &Ctx<'_>) -> Reply {
    let kind = ctx.req.query("type").unwrap_or("AllUsers");
    let wanted: Vec<usize> = match kind {
        // The token's own user: the sandbox's self client and consent act as the admin.
        "CurrentUser" => vec![0],
        "AdminUsers" | "ActiveConfirmedAdmins" => vec![0],
        "DeactiveUsers" | "NotConfirmedUsers" | "DeletedUsers" => Vec::new(),
        known if USER_TYPES.contains(&known) => (0..USERS.len()).collect(),
        _ => return errors::invalid_param(ctx.route, "type", "invalid data"),
    };
    let (page, per_page) = match ctx.paging(USERS_MAX_PER_PAGE) {
        Ok(paging) => paging,
        Err(reply) => return reply,
    };
    let start = (page - 1).saturating_mul(per_page);
    let users: Vec<Value> = wanted
        .iter()
        .skip(start)
        .take(per_page)
        .map(|&index| user(index))
        .collect();
    if users.is_empty() {
        // Zoho answers an empty user list with 204, as it does for records.
        return Reply::empty(ctx.route, 204);
    }
    let more = wanted.len() > start + users.len();
    let count = users.len();
    Reply::json(
        ctx.route,
        200,
        &json!({
            "users": users,
            "info": {"per_page": per_page, "count": count, "page": page, "more_records": more},
        }),
    )
}

/// `GET /crm/{v}/users/{id}`.
pub(crate) fn get(ctx: &Ctx<'_>, id: &str) -> Reply {
    let found = parse_id(id).and_then(|id| {
        USERS
            .iter()
            .position(|(_, user_id, _)| user_id.parse() == Ok(id))
    });
    match found {
        Some(index) => Reply::json(ctx.route, 200, &json!({ "users": [user(index)] })),
        None => errors::invalid_param(ctx.route, "id", "the id given seems to be invalid"),
    }
}

/// `GET /crm/{v}/org`.
pub(crate) fn org(ctx: &Ctx<'_>) -> Reply {
    let (_, admin_id, admin_email) = USERS[0];
    let org = json!({
        "id": ORG_ID,
        "company_name": "Sandbox Inc",
        "primary_email": admin_email,
        "primary_zuid": admin_id,
        "zgid": ORG_ZGID,
        "domain_name": "org70000001",
        "type": "production",
        "country": "United States",
        "country_code": "US",
        "iso_code": "USD",
        "currency": "US Dollar - USD",
        "currency_symbol": "$",
        "currency_locale": "en_US",
        "time_zone": "UTC",
        "mc_status": false,
        "gapps_enabled": false,
        "translation_enabled": false,
        "privacy_settings": false,
        "hipaa_compliance_enabled": false,
        "lite_users_enabled": false,
        "max_per_page": 200,
        "employee_count": "10",
        "created_time": clock::crm_datetime(SEED_EPOCH - 86_400),
        "license_details": {
            "paid_expiry": null,
            "users_license_purchased": USERS.len(),
            "trial_type": null,
            "trial_expiry": null,
            "paid": true,
            "paid_type": "enterprise",
            "trial_action": null,
        },
    });
    let org = with_nulls(
        org,
        &[
            "alias",
            "phone",
            "mobile",
            "fax",
            "website",
            "description",
            "street",
            "city",
            "state",
            "zip",
            "photo_id",
        ],
    );
    Reply::json(ctx.route, 200, &json!({ "org": [org] }))
}

/// One user as `GET /users` describes it.
fn user(index: usize) -> Value {
    let (name, id, email) = USERS[index % USERS.len()];
    let (first, last) = name.split_once(' ').unwrap_or(("", name));
    let is_admin = index == 0;
    let (role, profile) = if is_admin {
        (
            ("CEO", "4150868000000026005"),
            ("Administrator", "4150868000000026011"),
        )
    } else {
        (
            ("Manager", "4150868000000026008"),
            ("Standard", "4150868000000026014"),
        )
    };
    let (admin_name, admin_id, _) = USERS[0];
    let created = clock::crm_datetime(SEED_EPOCH - 86_400 + i64::try_from(index).unwrap_or(0) * 60);
    let user = json!({
        "id": id,
        "zuid": id,
        "name": name,
        "full_name": name,
        "first_name": first,
        "last_name": last,
        "email": email,
        "status": "active",
        "confirm": true,
        "role": {"name": role.0, "id": role.1},
        "profile": {"name": profile.0, "id": profile.1},
        "language": "en_US",
        "locale": "en_US",
        "country_locale": "en_US",
        "country": "US",
        "time_zone": "UTC",
        "offset": 0,
        "date_format": "MMM d, yyyy",
        "time_format": "hh:mm a",
        "name_format__s": "Salutation,First Name,Last Name",
        "sort_order_preference__s": "First Name,Last Name",
        "decimal_separator": "Period",
        "number_separator": "Comma",
        "microsoft": false,
        "personal_account": false,
        "Isonline": false,
        "created_time": created,
        "Modified_Time": created,
        "created_by": {"name": admin_name, "id": admin_id},
        "Modified_By": {"name": admin_name, "id": admin_id},
        "Reporting_To": if is_admin { Value::Null } else { json!({"name": admin_name, "id": admin_id}) },
    });
    with_nulls(
        user,
        &[
            "phone",
            "mobile",
            "fax",
            "website",
            "street",
            "city",
            "state",
            "zip",
            "alias",
            "dob",
            "signature",
            "image_link",
        ],
    )
}

/// Adds the members Zoho sends as `null` when they are not set (kept out of `json!`, whose
/// recursion limit a whole user object would pass).
fn with_nulls(mut value: Value, keys: &[&str]) -> Value {
    if let Some(object) = value.as_object_mut() {
        for key in keys {
            object.insert((*key).to_owned(), Value::Null);
        }
    }
    value
}

//! A notification channel's `notification_condition` (v6 and later, wave2.md §1.2): edits of a
//! module notify only when the fields a `field_selection` names changed, `and` meaning all of
//! a group, `or` any of it; groups nest.

use serde_json::{Map, Value};

use super::schema::module_by_name;

/// At most two conditions per channel, two objects per group level and ten fields in all.
const MAX_CONDITIONS: usize = 2;
const MAX_PER_GROUP: usize = 2;
const MAX_FIELDS: usize = 10;

/// One `field_selection` condition on a module.
#[derive(Debug, Clone)]
pub(crate) struct Condition {
    module: &'static str,
    root: Node,
}

#[derive(Debug, Clone)]
enum Node {
    Field(&'static str),
    Group { all: bool, nodes: Vec<Node> },
}

impl Node {
    fn matches(&self, changed: &Map<String, Value>) -> bool {
        match self {
            Node::Field(name) => changed.contains_key(*name),
            Node::Group { all: true, nodes } => nodes.iter().all(|n| n.matches(changed)),
            Node::Group { all: false, nodes } => nodes.iter().any(|n| n.matches(changed)),
        }
    }
}

/// Reads a `notification_condition` array; the reason when it breaks a rule.
pub(crate) fn parse(value: &Value) -> Result<Vec<Condition>, &'static str> {
    if value.is_null() {
        return Ok(Vec::new());
    }
    let items = value.as_array().ok_or("expected a jsonarray")?;
    if items.len() > MAX_CONDITIONS {
        return Err("at most two conditions");
    }
    let mut conditions = Vec::with_capacity(items.len());
    for item in items {
        if item.get("type").and_then(Value::as_str) != Some("field_selection") {
            return Err("type must be field_selection");
        }
        let module = item
            .get("module")
            .and_then(|m| m.get("api_name"))
            .and_then(Value::as_str)
            .and_then(module_by_name)
            .ok_or("module.api_name must name a module")?;
        let mut fields = 0;
        let selection = item
            .get("field_selection")
            .ok_or("field_selection is missing")?;
        let root = node(selection, module, &mut fields)?;
        conditions.push(Condition {
            module: module.api_name,
            root,
        });
    }
    Ok(conditions)
}

fn node(
    value: &Value,
    module: &'static super::schema::ModuleDef,
    fields: &mut usize,
) -> Result<Node, &'static str> {
    if let Some(field) = value.get("field") {
        *fields += 1;
        if *fields > MAX_FIELDS {
            return Err("at most ten fields");
        }
        let name = field
            .get("api_name")
            .and_then(Value::as_str)
            .and_then(|name| module.field(name))
            .ok_or("field.api_name must name a field of the module")?;
        return Ok(Node::Field(name.api_name));
    }
    let all = match value.get("group_operator").and_then(Value::as_str) {
        Some(op) if op.eq_ignore_ascii_case("and") => true,
        Some(op) if op.eq_ignore_ascii_case("or") => false,
        _ => return Err("group_operator must be and or or"),
    };
    let group = value
        .get("group")
        .and_then(Value::as_array)
        .filter(|g| !g.is_empty() && g.len() <= MAX_PER_GROUP)
        .ok_or("a group holds one or two objects")?;
    let nodes = group
        .iter()
        .map(|item| node(item, module, fields))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Node::Group { all, nodes })
}

/// Whether an edit of `module` that changed `changed` passes the channel's conditions: always,
/// when none is about the module.
pub(crate) fn passes(conditions: &[Condition], module: &str, changed: &Map<String, Value>) -> bool {
    let mut about = conditions.iter().filter(|c| c.module == module).peekable();
    about.peek().is_none() || about.any(|c| c.root.matches(changed))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use serde_json::json;

    use super::*;

    fn changed(names: &[&str]) -> Map<String, Value> {
        names
            .iter()
            .map(|n| ((*n).to_owned(), Value::Null))
            .collect()
    }

    #[test]
    fn and_needs_every_field_or_any_and_groups_nest() {
        let conditions = parse(&json!([{"type": "field_selection", "module": {"api_name": "Leads"},
            "field_selection": {"group_operator": "and", "group": [
                {"field": {"api_name": "Company"}},
                {"group_operator": "or", "group": [{"field": {"api_name": "Phone"}}, {"field": {"api_name": "Email"}}]}]}}]))
        .unwrap();
        assert!(passes(
            &conditions,
            "Leads",
            &changed(&["Company", "Email"])
        ));
        assert!(!passes(&conditions, "Leads", &changed(&["Company"])));
        assert!(!passes(&conditions, "Leads", &changed(&["Phone"])));
        assert!(
            passes(&conditions, "Deals", &changed(&[])),
            "no condition on Deals"
        );
    }

    #[test]
    fn broken_conditions_say_which_rule() {
        let three = json!([{}, {}, {}]);
        assert_eq!(parse(&three).unwrap_err(), "at most two conditions");
        let wide = json!([{"type": "field_selection", "module": {"api_name": "Leads"},
            "field_selection": {"group_operator": "or", "group": [
                {"field": {"api_name": "Company"}}, {"field": {"api_name": "Phone"}}, {"field": {"api_name": "Email"}}]}}]);
        assert_eq!(
            parse(&wide).unwrap_err(),
            "a group holds one or two objects"
        );
        let unknown = json!([{"type": "field_selection", "module": {"api_name": "Leads"},
            "field_selection": {"field": {"api_name": "Nope"}}}]);
        assert!(parse(&unknown).is_err());
    }
}

//! The passing cases of the `zoho-macros` catalogue (`zoho-macros/tests/ui/`): valid specs
//! expand into code that compiles and works. They live here, where the runtime is already built.

mod small_spec {
    zoho_macros::actions!("../zoho-macros/tests/ui/specs/valid.toml");
}

#[test]
fn the_catalogue_base_spec_expands_to_a_working_action() {
    use small_spec::{METHODS, SPEC_TOML, crm, types};
    use zoho_actions::Action;
    let mut get = crm::GetRecord::new("Leads", "4150868000000002175");
    assert_eq!(get.sort_order, types::SortOrder::Asc);
    get.sort_order = types::SortOrder::Desc;
    let request = get.to_request().unwrap();
    assert_eq!(
        request.query,
        [("sort_order".to_owned(), "desc".to_owned())]
    );
    assert_eq!(METHODS.len(), 1);
    assert_eq!(METHODS[0].name, "crm.getRecord");
    assert!(SPEC_TOML.contains("getRecord"));
}

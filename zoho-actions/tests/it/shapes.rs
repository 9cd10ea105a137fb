//! The spec model and the runtime each say which result shapes are lists and which stream
//! records (`action_spec::ResultShape` decides at expansion, `zoho_core::ResultShape` at run
//! time); generated code turns one into the other by variant name. They must agree.

use action_spec::ResultShape as SpecShape;
use zoho_core::ResultShape as CoreShape;

/// Every runtime shape. The match below stops compiling when a variant is added, so a new
/// shape cannot be left out of this list.
const EVERY_CORE_SHAPE: [CoreShape; 17] = [
    CoreShape::Raw,
    CoreShape::CrmWrite,
    CoreShape::CrmRecord,
    CoreShape::CrmRecords,
    CoreShape::CrmCoql,
    CoreShape::CrmDelete,
    CoreShape::BooksRecord,
    CoreShape::BooksRecords,
    CoreShape::BooksDelete,
    CoreShape::CrmWriteMany,
    CoreShape::CrmDeleteMany,
    CoreShape::Json,
    CoreShape::CrmFile,
    CoreShape::CrmSchema,
    CoreShape::BooksSchema,
    CoreShape::CrmBulkRead,
    CoreShape::CrmBulkWrite,
];

const _: fn(CoreShape) = |shape| match shape {
    CoreShape::Raw
    | CoreShape::CrmWrite
    | CoreShape::CrmRecord
    | CoreShape::CrmRecords
    | CoreShape::CrmCoql
    | CoreShape::CrmDelete
    | CoreShape::BooksRecord
    | CoreShape::BooksRecords
    | CoreShape::BooksDelete
    | CoreShape::CrmWriteMany
    | CoreShape::CrmDeleteMany
    | CoreShape::Json
    | CoreShape::CrmFile
    | CoreShape::CrmSchema
    | CoreShape::BooksSchema
    | CoreShape::CrmBulkRead
    | CoreShape::CrmBulkWrite => {}
};

/// The runtime shape generated code names for `spec` (`rt::ResultShape::#variant`).
fn core_shape(spec: SpecShape) -> CoreShape {
    EVERY_CORE_SHAPE
        .into_iter()
        .find(|core| format!("{core:?}") == spec.variant())
        .unwrap_or_else(|| panic!("no zoho_core::ResultShape::{}", spec.variant()))
}

#[test]
fn the_spec_and_the_runtime_agree_on_which_shapes_are_lists_and_stream_records() {
    for (name, spec) in SpecShape::ALL {
        let core = core_shape(spec);
        assert_eq!(spec.is_list(), core.is_list(), "is_list of `{name}`");
        assert_eq!(
            spec.streams_records(),
            core.streams_records(),
            "streams_records of `{name}`"
        );
    }
    let listed: Vec<CoreShape> = SpecShape::ALL.iter().map(|(_, s)| core_shape(*s)).collect();
    for core in EVERY_CORE_SHAPE {
        assert!(listed.contains(&core), "{core:?} has no spec name");
    }
}

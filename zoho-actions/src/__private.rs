//! What generated code reaches the runtime through (as serde_derive's `__private`): re-exports,
//! so generated code never depends on what the invoking crate imported, the helpers that place
//! values (`wire`: path, query, headers; `body`: JSON and multipart) and the few that check
//! inputs and start a request. Not a public API.

pub use futures;
pub use serde;
pub use serde::{Deserialize, Serialize};
pub use serde_json;
pub use zoho_core;
pub use zoho_core::{
    ActionRequest, Error, FileContent, Method, PathSegment, Product, RequestBody, RequestPath,
    ResponseType, ResultShape,
};

pub use crate::action::{Action, ListAction, SpecEnum};
pub use crate::body::*;
pub use crate::file::{deserialize_file, deserialize_file_map, deserialize_optional_file};
pub use crate::output;
pub use crate::prepared::{Prepared, RecordStream, record_stream};
pub use crate::record_path::*;
pub use crate::wire::*;
pub use crate::{DispatchError, MethodDescriptor};

use serde::de::DeserializeOwned;
use serde_json::Value;

/// What `to_request` returns.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// The request of the action `A`, before its inputs are placed.
pub fn request<A: Action>(product: Product, method: Method, path: RequestPath) -> ActionRequest {
    ActionRequest::new(A::METHOD, product, method, path)
}

/// Set a request option to an input's value when the input is given; an absent input leaves the
/// option as [`ActionRequest::new`] set it.
pub fn set_given<T>(option: &mut Option<T>, value: Option<T>) {
    if value.is_some() {
        *option = value;
    }
}

/// Milliseconds, as the spec's time inputs give them.
pub fn millis(value: u64) -> std::time::Duration {
    std::time::Duration::from_millis(value)
}

/// Decode JSON-RPC params into the action `A` and describe its call: one `prepare` arm.
pub fn prepare<A: Action + DeserializeOwned>(params: Value) -> Result<Prepared, DispatchError> {
    let action: A = decode(params)?;
    Ok(Prepared {
        request: action.to_request()?,
        connection: action.connection().map(str::to_owned),
    })
}

/// Decode params into an action, naming the JSON path of the first param that does not fit.
/// Absent params (`null`) are an empty object, so actions without required inputs need none.
pub fn decode<T: DeserializeOwned>(params: Value) -> Result<T, Error> {
    let params = match params {
        Value::Null => Value::Object(serde_json::Map::new()),
        other => other,
    };
    serde_path_to_error::deserialize(params).map_err(|error| {
        let path = error.path().to_string();
        let reason = crate::dispatch_error::in_json_words(&error.inner().to_string());
        let field = if path.is_empty() || path == "." {
            // Missing and unknown fields are reported on the object; the name is in the message.
            // Anything else at the top (params not an object) is about the params as a whole.
            backticked(&reason).unwrap_or_else(|| "params".to_owned())
        } else {
            path
        };
        Error::InvalidInput { field, reason }
    })
}

fn backticked(message: &str) -> Option<String> {
    let start = message.find('`')? + 1;
    let len = message.get(start..)?.find('`')?;
    message.get(start..start + len).map(str::to_owned)
}

/// Refuse an integer outside the spec's `min`/`max`; an absent one (`None`) passes.
pub fn check_range(
    field: &str,
    value: impl Into<Option<u64>>,
    min: Option<u64>,
    max: Option<u64>,
) -> Result<(), Error> {
    let Some(value) = value.into() else {
        return Ok(());
    };
    let below = min.is_some_and(|min| value < min);
    let above = max.is_some_and(|max| value > max);
    if below || above {
        let allowed = match (min, max) {
            (Some(min), Some(max)) => format!("{min} to {max}"),
            (Some(min), None) => format!("{min} or more"),
            (None, Some(max)) => format!("at most {max}"),
            (None, None) => String::new(),
        };
        return Err(Error::InvalidInput {
            field: field.to_owned(),
            reason: format!("{value} is out of range; allowed: {allowed}"),
        });
    }
    Ok(())
}

/// A `one_of` group of the spec: exactly one of these inputs must be given. `inputs` pairs each
/// key with whether it was given, in spec order; none or several is `InvalidInput` on the
/// first key concerned (the group's first when none), before anything is sent.
pub fn exactly_one(inputs: &[(&str, bool)]) -> Result<(), Error> {
    let given: Vec<&str> = inputs
        .iter()
        .filter(|(_, given)| *given)
        .map(|(key, _)| *key)
        .collect();
    let got = match given.as_slice() {
        [_] => return Ok(()),
        [] => "none".to_owned(),
        [first @ .., last] => format!("{} and {last}", first.join(", ")),
    };
    let names: Vec<&str> = inputs.iter().map(|(key, _)| *key).collect();
    let field = given
        .first()
        .or(names.first())
        .map_or_else(String::new, |key| (*key).to_owned());
    Err(Error::InvalidInput {
        field,
        reason: format!("give exactly one of {}; got {got}", names.join(", ")),
    })
}

/// `u64` to `u32` for retry counts.
pub fn to_u32(field: &str, value: u64) -> Result<u32, Error> {
    u32::try_from(value).map_err(|_| Error::InvalidInput {
        field: field.to_owned(),
        reason: format!("{value} is too large; allowed: at most {}", u32::MAX),
    })
}

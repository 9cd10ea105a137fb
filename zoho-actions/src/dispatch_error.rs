//! Why a dispatched call failed, and the words its params errors use.

/// The error of [`crate::dispatch`].
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DispatchError {
    /// No action has this method name.
    #[error("unknown method `{0}`")]
    UnknownMethod(String),
    /// The action refused its params or failed.
    #[error(transparent)]
    Action(#[from] zoho_core::Error),
}

/// Rust's words in serde's messages and the JSON words callers know, whole words only.
const JSON_WORDS: [(&str, &str); 22] = [
    ("a sequence", "an array"),
    ("sequence", "array"),
    ("a map", "an object"),
    ("map", "object"),
    ("floating point", "number"),
    ("unit value", "null"),
    ("Option value", "null"),
    ("a borrowed string", "a string"),
    ("a character", "a one-character string"),
    ("character", "one-character string"),
    ("u8", "a non-negative integer"),
    ("u16", "a non-negative integer"),
    ("u32", "a non-negative integer"),
    ("u64", "a non-negative integer"),
    ("usize", "a non-negative integer"),
    ("i8", "an integer"),
    ("i16", "an integer"),
    ("i32", "an integer"),
    ("i64", "an integer"),
    ("isize", "an integer"),
    ("f32", "a number"),
    ("f64", "a number"),
];

/// Say a serde message (`invalid type: map, expected a sequence`) in JSON's words (`invalid type:
/// object, expected an array`), so a caller in any language reads what to send. Quoted parts
/// (`` `perPage` ``, `"ten"`) are the caller's own text and stay as they are.
pub(crate) fn in_json_words(message: &str) -> String {
    let mut out = String::with_capacity(message.len());
    let mut rest = message;
    while !rest.is_empty() {
        // Text up to the next quote is serde's; from the quote to its match, the caller's.
        let quote = rest.find(['`', '"']).unwrap_or(rest.len());
        let (words, quoted) = rest.split_at(quote);
        out.push_str(&translate(words));
        let Some(mark) = quoted.chars().next() else {
            break;
        };
        let close = quoted[1..].find(mark).map_or(quoted.len(), |at| at + 2);
        out.push_str(&quoted[..close]);
        rest = &quoted[close..];
    }
    out
}

fn translate(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    'scan: while at < text.len() {
        let starts_word = text[..at]
            .chars()
            .next_back()
            .is_none_or(|c| !c.is_alphanumeric());
        if starts_word {
            // `struct GetRecords`: what serde expects for an action's params object.
            if let Some(after) = text[at..].strip_prefix("struct ") {
                let name_len = after
                    .find(|c: char| !c.is_alphanumeric() && c != '_')
                    .unwrap_or(after.len());
                if name_len > 0 {
                    out.push_str("an object");
                    at += "struct ".len() + name_len;
                    continue;
                }
            }
            for (rust, json) in JSON_WORDS {
                let ends_word = text[at..]
                    .strip_prefix(rust)
                    .is_some_and(|after| after.chars().next().is_none_or(|c| !c.is_alphanumeric()));
                if ends_word {
                    out.push_str(json);
                    at += rust.len();
                    continue 'scan;
                }
            }
        }
        let Some(c) = text[at..].chars().next() else {
            break;
        };
        out.push(c);
        at += c.len_utf8();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::in_json_words;

    #[test]
    fn rust_type_names_become_json_types() {
        for (serde, json) in [
            (
                r#"invalid type: string "ten", expected u64"#,
                r#"invalid type: string "ten", expected a non-negative integer"#,
            ),
            (
                "invalid type: map, expected a sequence",
                "invalid type: object, expected an array",
            ),
            (
                "invalid type: sequence, expected a map",
                "invalid type: array, expected an object",
            ),
            (
                "invalid type: floating point `1.5`, expected i64",
                "invalid type: number `1.5`, expected an integer",
            ),
            (
                "invalid type: unit value, expected a borrowed string",
                "invalid type: null, expected a string",
            ),
            (
                "invalid type: integer `5`, expected struct GetRecords",
                "invalid type: integer `5`, expected an object",
            ),
            (
                "invalid value: integer `-1`, expected u32",
                "invalid value: integer `-1`, expected a non-negative integer",
            ),
        ] {
            assert_eq!(in_json_words(serde), json, "{serde}");
        }
    }

    #[test]
    fn the_callers_own_text_is_left_alone() {
        let message = r#"invalid type: string "a map of u64", expected a boolean"#;
        assert_eq!(in_json_words(message), message);
        let message = "unknown field `map`, expected one of `u64`, `sequence`";
        assert_eq!(in_json_words(message), message);
    }

    #[test]
    fn words_that_only_contain_a_rust_word_are_kept() {
        let message = "mapping of u640 in a sequenced list; an unclosed `quote";
        assert_eq!(in_json_words(message), message);
    }
}

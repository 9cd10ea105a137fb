//! Path templates: `/{recordType}/{recordId}/Attachments`.

use toml::Spanned;

use super::is_identifier;
use crate::diagnostic::Collector;
use crate::model::{PathPart, PathTemplate};

pub(super) fn parse_template(
    raw: &Spanned<String>,
    what: &str,
    errors: &mut Collector<'_>,
) -> Option<PathTemplate> {
    let text = raw.get_ref();
    let Some(rest) = text.strip_prefix('/') else {
        errors.error(
            raw.span(),
            format!(
                "path `{text}` of {what} does not start with `/`; allowed: /segment/{{input}}/..."
            ),
        );
        return None;
    };
    let mut segments = Vec::new();
    for segment in rest.split('/') {
        if segment.is_empty() {
            errors.error(
                raw.span(),
                format!("path `{text}` of {what} has an empty segment; allowed: /segment/{{input}}/... without `//` or a trailing `/`"),
            );
            return None;
        }
        if let Some(key) = segment.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
            if !is_identifier(key) {
                errors.error(
                    raw.span(),
                    format!("path placeholder `{segment}` of {what} is not an input name; allowed: {{inputKey}}"),
                );
                return None;
            }
            segments.push(PathPart::Input(key.to_owned()));
        } else if segment.contains(['{', '}', '?', '#', '%']) {
            errors.error(
                raw.span(),
                format!("path segment `{segment}` of {what} mixes text and a placeholder or holds `?`, `#`, `%`; allowed: a literal segment or a whole-segment {{inputKey}}"),
            );
            return None;
        } else {
            segments.push(PathPart::Literal(segment.to_owned()));
        }
    }
    Some(PathTemplate {
        text: text.clone(),
        segments,
    })
}

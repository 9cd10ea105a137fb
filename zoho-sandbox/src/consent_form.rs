//! Reading the sandbox's consent page as a browser would: the form, its hidden fields and the
//! Accept button. Clients that authorize against the sandbox without a browser (the server's
//! `--sandbox`, tests) press Accept with it; it lives here because the sandbox owns the page.

/// The consent page's form, as a browser would submit it after a press on Accept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsentForm {
    /// Where the form is posted (as written in the page: resolve it against the page's URL).
    pub action: String,
    /// The fields a press on Accept sends, in page order: the hidden ones, then the button's.
    pub fields: Vec<(String, String)>,
}

impl ConsentForm {
    /// Read the first form: its action, its hidden fields and the Accept button's name and value.
    /// A deliberately small reader for this sandbox's page, not an HTML parser: `None` when the
    /// page has no form with an Accept button.
    pub fn parse(html: &str) -> Option<ConsentForm> {
        let start = html.find("<form")?;
        let end = start + html[start..].find("</form>")?;
        let form = &html[start..end];
        let form_tag = &form[..form.find('>')?];
        let action = attribute(form_tag, "action").unwrap_or_default();
        let mut fields = Vec::new();
        let mut accept = None;
        for tag in form.split('<').skip(1) {
            let tag = tag.split('>').next().unwrap_or_default();
            if let Some(rest) = tag.strip_prefix("input") {
                if attribute(rest, "type").is_some_and(|t| t.eq_ignore_ascii_case("hidden"))
                    && let Some(name) = attribute(rest, "name")
                {
                    fields.push((name, attribute(rest, "value").unwrap_or_default()));
                }
            } else if let Some(rest) = tag.strip_prefix("button") {
                let value = attribute(rest, "value").unwrap_or_default();
                if value.eq_ignore_ascii_case("accept") || value.eq_ignore_ascii_case("allow") {
                    accept = attribute(rest, "name").map(|name| (name, value));
                }
            }
        }
        fields.push(accept?);
        Some(ConsentForm { action, fields })
    }
}

/// The value of `name="..."` in a tag's text, with HTML entities decoded.
fn attribute(tag: &str, name: &str) -> Option<String> {
    let needle = format!(" {name}=\"");
    let start = tag.find(&needle)? + needle.len();
    let end = start + tag[start..].find('"')?;
    Some(unescape(&tag[start..end]))
}

fn unescape(text: &str) -> String {
    text.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&#x27;", "'")
        .replace("&amp;", "&")
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn the_accept_press_submits_every_hidden_field() {
        let page = r#"<html><body><h1>Allow</h1>
            <form method="post" action="/oauth/v2/auth">
            <input type="hidden" name="client_id" value="1000.X">
            <input type="hidden" name="redirect_uri" value="http://127.0.0.1:1/cb?a=1&amp;b=2">
            <input type="hidden" name="state" value="&quot;s&quot;">
            <button type="submit" name="action" value="accept">Accept</button>
            <button type="submit" name="action" value="deny">Deny</button>
            </form></body></html>"#;
        let form = ConsentForm::parse(page).unwrap();
        assert_eq!(form.action, "/oauth/v2/auth");
        assert_eq!(
            form.fields,
            [
                ("client_id".to_owned(), "1000.X".to_owned()),
                (
                    "redirect_uri".to_owned(),
                    "http://127.0.0.1:1/cb?a=1&b=2".to_owned()
                ),
                ("state".to_owned(), "\"s\"".to_owned()),
                ("action".to_owned(), "accept".to_owned()),
            ]
        );
    }

    #[test]
    fn the_sandboxs_own_page_reads_back_what_it_carries() {
        let params = [
            ("client_id".to_owned(), "1000.X".to_owned()),
            ("state".to_owned(), "a&b\"c".to_owned()),
        ];
        let form = ConsentForm::parse(&crate::accounts::consent::page(&params, &[])).unwrap();
        let mut expected = params.to_vec();
        expected.push(("action".to_owned(), "accept".to_owned()));
        assert_eq!(form.fields, expected);
        assert_eq!(form.action, "/oauth/v2/auth");
    }

    #[test]
    fn a_page_without_accept_is_not_a_consent_form() {
        assert_eq!(
            ConsentForm::parse("<form action=\"/x\"><button value=\"deny\"></button></form>"),
            None
        );
        assert_eq!(ConsentForm::parse("<p>error</p>"), None);
    }
}

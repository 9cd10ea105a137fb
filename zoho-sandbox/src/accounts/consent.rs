//! The consent page, an HTML form with Accept and Deny buttons, as Zoho's accounts server shows.

/// Escapes text for HTML attribute and element content.
pub(crate) fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// The page asking the user to allow `client_id` the listed scopes. Every authorize parameter
/// travels on as a hidden field of the form.
pub(crate) fn page(params: &[(String, String)], scopes: &[String]) -> String {
    let hidden: String = params
        .iter()
        .filter(|(k, _)| k != "action")
        .map(|(k, v)| {
            format!(
                "<input type=\"hidden\" name=\"{}\" value=\"{}\">\n",
                escape(k),
                escape(v)
            )
        })
        .collect();
    let items: String = scopes
        .iter()
        .map(|s| format!("<li>{}</li>\n", escape(s)))
        .collect();
    format!(
        "<!DOCTYPE html>\n<html><head><title>Zoho Accounts (sandbox)</title></head><body>\n\
         <h1>Allow access</h1>\n<p>The application would like to access:</p>\n<ul>\n{items}</ul>\n\
         <form method=\"post\" action=\"/oauth/v2/auth\">\n{hidden}\
         <button type=\"submit\" name=\"action\" value=\"accept\">Accept</button>\n\
         <button type=\"submit\" name=\"action\" value=\"deny\">Deny</button>\n\
         </form>\n</body></html>\n"
    )
}

/// An error page for a bad authorize request (Zoho shows these instead of redirecting).
pub(crate) fn error_page(error: &str, detail: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html><head><title>Zoho Accounts (sandbox)</title></head><body>\n\
         <h1>{}</h1>\n<p>{}</p>\n</body></html>\n",
        escape(error),
        escape(detail)
    )
}

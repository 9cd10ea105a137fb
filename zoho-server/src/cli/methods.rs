//! `zoho-server methods`: every method with its one-line summary.

use super::print_flushed;
use crate::Error;
use crate::actions::DISCOVER;

pub(super) fn methods() -> Result<(), Error> {
    let mut lines: Vec<(String, String)> = zoho_actions::METHODS
        .iter()
        .map(|method| (method.name.to_owned(), method.summary.to_owned()))
        .collect();
    let server_methods = crate::connections_api::descriptions()
        .into_iter()
        .chain(crate::events::methods::descriptions());
    for method in server_methods {
        lines.push((
            method["name"].as_str().unwrap_or_default().to_owned(),
            method["summary"].as_str().unwrap_or_default().to_owned(),
        ));
    }
    lines.push((
        DISCOVER.to_owned(),
        "Describe every method as an OpenRPC document".to_owned(),
    ));
    let width = lines.iter().map(|(name, _)| name.len()).max().unwrap_or(0);
    let text: String = lines
        .iter()
        .map(|(name, summary)| format!("{name:<width$}  {summary}\n"))
        .collect();
    print_flushed(&text);
    Ok(())
}

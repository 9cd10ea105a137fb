//! COQL: grammar, operators, limits by version and Zoho's errors (crm.md §4).

use serde_json::{Value, json};
use zoho_sandbox::{OpenQuestions, SandboxConfig};

use crate::support::{self, ALL_SCOPES, TestResult, config, env};

#[tokio::test]
async fn select_where_order_limit_offset() -> TestResult {
    let e = env(200).await?;
    // crm.md §4 [H]: the documented example shape; keywords are case-insensitive.
    let all = e.coql("v3", "SELECT Last_Name, Email, Annual_Revenue FROM Leads WHERE Annual_Revenue >= 2000000 ORDER BY Annual_Revenue DESC LIMIT 5 OFFSET 2").await?;
    assert_eq!(all.status, 200, "{}", all.body);
    let rows = all.body["data"].as_array().ok_or("no data")?;
    assert_eq!(rows.len(), 5);
    let revenue: Vec<f64> = rows
        .iter()
        .filter_map(|r| r["Annual_Revenue"].as_f64())
        .collect();
    assert!(revenue.windows(2).all(|w| w[0] >= w[1]), "{revenue:?}");
    assert!(revenue.iter().all(|r| *r >= 2_000_000.0));
    assert!(rows[0]["id"].is_string(), "id always comes back");
    assert_eq!(all.body["info"]["count"], 5);
    assert_eq!(all.body["info"]["more_records"], true);
    // crm.md §4 [H]: with no ORDER BY the result is ascending by id.
    let plain = e
        .coql(
            "v3",
            "select Last_Name from Leads where id is not null limit 10",
        )
        .await?;
    let ids: Vec<u64> = plain.body["data"]
        .as_array()
        .ok_or("no data")?
        .iter()
        .filter_map(|r| r["id"].as_str()?.parse().ok())
        .collect();
    let mut sorted = ids.clone();
    sorted.sort_unstable();
    assert_eq!(ids, sorted);
    Ok(())
}

#[tokio::test]
async fn every_operator_filters() -> TestResult {
    let e = env(200).await?;
    let count = |query: String| {
        let e = &e;
        async move {
            let answer = e.coql("v8", &query).await?;
            assert!(
                answer.status == 200 || answer.status == 204,
                "{query}: {}",
                answer.body
            );
            Ok::<usize, reqwest::Error>(answer.body["data"].as_array().map_or(0, Vec::len))
        }
    };
    let rows = e
        .coql(
            "v8",
            "select Last_Name, Email, Lead_Source from Leads where id is not null limit 3",
        )
        .await?;
    let first = &rows.body["data"][0];
    let email = first["Email"].as_str().ok_or("no email")?.to_owned();
    let last = first["Last_Name"]
        .as_str()
        .ok_or("no last name")?
        .to_owned();
    assert_eq!(
        count(format!("select Email from Leads where Email = '{email}'")).await?,
        1
    );
    assert_eq!(
        count(format!(
            "select Email from Leads where Email = '{}'",
            email.to_uppercase()
        ))
        .await?,
        1
    );
    assert_eq!(
        count(format!(
            "select Email from Leads where Email != '{email}' limit 2000"
        ))
        .await?,
        199
    );
    assert_eq!(
        count(format!(
            "select Email from Leads where Email like '{}%'",
            &email[..email.len() - 3]
        ))
        .await?,
        1
    );
    let like_last = count(format!(
        "select Email from Leads where Last_Name like '%{}' limit 2000",
        &last[1..]
    ))
    .await?;
    let eq_last = count(format!(
        "select Email from Leads where Last_Name = '{last}' limit 2000"
    ))
    .await?;
    assert!(like_last >= eq_last && eq_last >= 1);
    let not_like = count(format!(
        "select Email from Leads where Last_Name not like '{last}' limit 2000"
    ))
    .await?;
    assert_eq!(not_like + eq_last, 200);
    let a = count(
        "select Email from Leads where Lead_Source in ('Partner', 'Cold Call') limit 2000".into(),
    )
    .await?;
    let b = count(
        "select Email from Leads where Lead_Source not in ('Partner', 'Cold Call') limit 2000"
            .into(),
    )
    .await?;
    assert_eq!(a + b, 200);
    let low =
        count("select Email from Leads where No_of_Employees < 2500 limit 2000".into()).await?;
    let high =
        count("select Email from Leads where No_of_Employees >= 2500 limit 2000".into()).await?;
    assert_eq!(low + high, 200);
    let band = count(
        "select Email from Leads where No_of_Employees between 1000 and 2000 limit 2000".into(),
    )
    .await?;
    let band2 = count("select Email from Leads where (No_of_Employees >= 1000 and No_of_Employees <= 2000) limit 2000".into()).await?;
    assert_eq!(band, band2);
    let either = count(format!("select Email from Leads where ((Email = '{email}' or Last_Name = '{last}') and id is not null) limit 2000")).await?;
    assert!(either >= eq_last);
    assert_eq!(
        count("select Email from Leads where Phone is null".into()).await?,
        0
    );
    let after = count(
        "select Email from Leads where Created_Time > '2024-01-01T01:00:00+00:00' limit 2000"
            .into(),
    )
    .await?;
    assert_eq!(
        after,
        200 - 77,
        "seeded Leads are created 47 s apart from 00:00:13"
    );
    Ok(())
}

#[tokio::test]
async fn lookups_return_id_unless_a_lookup_field_is_selected() -> TestResult {
    // crm.md §4 [M]: lookups come back as {"id"} unless Lookup.Field is selected.
    let e = env(100).await?;
    let answer = e.coql("v3", "select Last_Name, Account_Name, Account_Name.Account_Name, Owner.name from Contacts where Account_Name is not null limit 1").await?;
    let row = &answer.body["data"][0];
    assert_eq!(row["Account_Name"].as_object().map(|m| m.len()), Some(1));
    assert!(row["Account_Name"]["id"].is_string());
    assert!(
        row["Account_Name.Account_Name"]
            .as_str()
            .is_some_and(|n| !n.is_empty())
    );
    assert!(row["Owner.name"].is_string());
    Ok(())
}

#[tokio::test]
async fn syntax_and_query_errors() -> TestResult {
    let e = env(20).await?;
    // crm.md §4 [H]: more than 2 criteria must be bracketed pairwise, else SYNTAX_ERROR.
    let unbracketed = e
        .coql(
            "v3",
            "select Email from Leads where Last_Name = 'a' and Email = 'b' and id is not null",
        )
        .await?;
    assert_eq!(
        (unbracketed.status, unbracketed.body["code"].as_str()),
        (400, Some("SYNTAX_ERROR"))
    );
    assert_eq!(
        unbracketed.body["message"],
        "error occured while parsing the query"
    );
    assert_eq!(unbracketed.body["details"]["near"], "and");
    let no_from = e.coql("v3", "select Email").await?;
    assert_eq!(no_from.body["details"], json!({"clause": "from"}));
    // crm.md §4 [H]: INVALID_QUERY with {column_name, clause}.
    let column = e
        .coql("v3", "select Nope from Leads where id is not null")
        .await?;
    assert_eq!(column.body["code"], "INVALID_QUERY");
    assert_eq!(
        column.body["details"],
        json!({"column_name": "Nope", "clause": "select"})
    );
    // crm.md §4 [H]: an operator the column does not support, {operator, column_name, reason}.
    let op = e
        .coql(
            "v3",
            "select Email from Leads where No_of_Employees like '1%'",
        )
        .await?;
    assert_eq!(op.body["details"]["operator"], "like");
    assert_eq!(op.body["details"]["column_name"], "No_of_Employees");
    // crm.md §4 [H]: multi-line fields cannot be in WHERE.
    let textarea = e
        .coql("v3", "select Email from Leads where Description = 'x'")
        .await?;
    assert_eq!(textarea.body["code"], "INVALID_QUERY");
    let module = e
        .coql("v3", "select Email from Widgets where id is not null")
        .await?;
    assert_eq!(module.body["code"], "INVALID_MODULE");
    // crm.md §4 [H]: MANDATORY_NOT_FOUND {api_name: select_query}.
    let body = e.post("/crm/v3/coql", &json!({"query": "select"})).await?;
    assert_eq!(body.body["details"]["api_name"], "select_query");
    // crm.md §4 [H]: a field repeated in ORDER BY gives DUPLICATE_DATA.
    let repeated = e
        .coql(
            "v3",
            "select Email from Leads where id is not null order by Email, Email",
        )
        .await?;
    assert_eq!(repeated.body["code"], "DUPLICATE_DATA");
    // crm.md §4 [H]: no match gives 204.
    let none = e
        .coql(
            "v3",
            "select Email from Leads where Email = 'nobody@nowhere.example'",
        )
        .await?;
    assert_eq!((none.status, none.bytes.len()), (204, 0));
    Ok(())
}

#[tokio::test]
async fn limits_follow_the_version() -> TestResult {
    let e = env(20).await?;
    // crm.md §4 [H]: v3 200 rows per call and 10,000 in total; v7/v8 2,000 and 100,000.
    let v3 = e
        .coql(
            "v3",
            "select Email from Leads where id is not null limit 201",
        )
        .await?;
    assert_eq!(v3.body["code"], "LIMIT_EXCEEDED");
    assert_eq!(v3.body["details"]["limit"], 200);
    assert_eq!(
        e.coql(
            "v8",
            "select Email from Leads where id is not null limit 2000"
        )
        .await?
        .status,
        200
    );
    let v8 = e
        .coql(
            "v8",
            "select Email from Leads where id is not null limit 2001",
        )
        .await?;
    assert_eq!(v8.body["details"]["limit"], 2000);
    let deep3 = e
        .coql(
            "v3",
            "select Email from Leads where id is not null limit 200 offset 9900",
        )
        .await?;
    assert_eq!(
        deep3.body["details"],
        json!({"clause": "offset", "limit": 10_000})
    );
    assert_eq!(
        e.coql(
            "v8",
            "select Email from Leads where id is not null limit 200 offset 9900"
        )
        .await?
        .status,
        204
    );
    // crm.md §4 [H]: in/not in up to 50 values in v3, 100 in v7+.
    let values: Vec<String> = (0..60).map(|i| format!("'v{i}'")).collect();
    let in_v3 = e
        .coql(
            "v3",
            &format!(
                "select Email from Leads where Last_Name in ({})",
                values.join(",")
            ),
        )
        .await?;
    assert_eq!(in_v3.body["code"], "LIMIT_EXCEEDED");
    assert_eq!(
        e.coql(
            "v8",
            &format!(
                "select Email from Leads where Last_Name in ({})",
                values.join(",")
            )
        )
        .await?
        .status,
        204
    );
    Ok(())
}

#[tokio::test]
async fn coql_scope_in_v8_and_the_where_question() -> TestResult {
    // crm.md §2.1 [H for v8]: COQL needs ZohoCRM.coql.READ with module READ.
    let e = support::env_with(config(10), "ZohoCRM.modules.ALL").await?;
    let v8 = e
        .coql("v8", "select Email from Leads where id is not null")
        .await?;
    assert_eq!(
        (v8.status, v8.body["code"].as_str()),
        (401, Some("OAUTH_SCOPE_MISMATCH"))
    );
    assert_eq!(
        e.coql("v3", "select Email from Leads where id is not null")
            .await?
            .status,
        200
    );
    // crm.md §11.5 [L]: whether WHERE is mandatory in v3 is open; lenient by default, strict on request.
    assert_eq!(e.coql("v3", "select Email from Leads").await?.status, 200);
    let strict = support::env_with(
        SandboxConfig {
            open_questions: OpenQuestions {
                coql_require_where: true,
                ..OpenQuestions::default()
            },
            ..config(10)
        },
        ALL_SCOPES,
    )
    .await?;
    let refused = strict.coql("v3", "select Email from Leads").await?;
    assert_eq!(refused.body["code"], "SYNTAX_ERROR");
    Ok(())
}

#[tokio::test]
async fn aggregates_and_group_by_from_v4() -> TestResult {
    // crm.md §4 [H]: GROUP BY from v4, at most 4 columns and 5 aggregates in v7/v8.
    let e = env(300).await?;
    let all = e
        .get("/crm/v8/Leads?fields=Lead_Source,No_of_Employees&per_page=200")
        .await?;
    let more = e
        .get("/crm/v8/Leads?fields=Lead_Source,No_of_Employees&per_page=100&page=3")
        .await?;
    let mut leads: Vec<Value> = all.body["data"].as_array().cloned().unwrap_or_default();
    leads.extend(more.body["data"].as_array().cloned().unwrap_or_default());
    assert_eq!(leads.len(), 300);
    let mut expected: std::collections::BTreeMap<String, (u64, i64)> = Default::default();
    for lead in &leads {
        let source = lead["Lead_Source"].as_str().unwrap_or("").to_owned();
        let entry = expected.entry(source).or_default();
        entry.0 += 1;
        entry.1 += lead["No_of_Employees"].as_i64().unwrap_or(0);
    }
    let grouped = e
        .coql(
            "v8",
            "select Lead_Source, COUNT(id), SUM(No_of_Employees) as staff from Leads group by Lead_Source order by Lead_Source",
        )
        .await?;
    assert_eq!(grouped.status, 200, "{}", grouped.body);
    let rows = grouped.body["data"].as_array().ok_or("no rows")?;
    assert_eq!(rows.len(), expected.len());
    for row in rows {
        let source = row["Lead_Source"].as_str().unwrap_or("").to_owned();
        let (count, staff) = expected[&source];
        assert_eq!(row["COUNT(id)"], json!(count), "{row}");
        assert_eq!(row["staff"], json!(staff), "{row}");
        assert!(row.get("id").is_none(), "aggregate rows carry no id");
    }
    let total = e
        .coql(
            "v8",
            "select COUNT(id) from Leads where Last_Name is not null",
        )
        .await?;
    assert_eq!(total.body["data"][0]["COUNT(id)"], 300);
    // A selected column must be grouped by; SUM needs a number; v3 has no GROUP BY.
    let ungrouped = e
        .coql("v8", "select Last_Name, COUNT(id) from Leads")
        .await?;
    assert_eq!(ungrouped.body["code"], "INVALID_QUERY");
    let text_sum = e.coql("v8", "select SUM(Last_Name) from Leads").await?;
    assert_eq!(text_sum.body["code"], "INVALID_QUERY");
    let old = e
        .coql(
            "v3",
            "select Lead_Source, COUNT(id) from Leads where id is not null group by Lead_Source",
        )
        .await?;
    assert_eq!(old.body["code"], "SYNTAX_ERROR");
    let twice = e
        .coql(
            "v8",
            "select COUNT(id) as n, MAX(No_of_Employees) as n from Leads",
        )
        .await?;
    assert_eq!(twice.body["code"], "DUPLICATE_ALIAS");
    Ok(())
}

#[tokio::test]
async fn ids_compare_exactly_though_they_have_19_digits() -> TestResult {
    // crm.md §3.1: ids are 19-digit strings; Zoho compares them as the 64-bit numbers they
    // are, so `id < x` keys a scan without skipping neighbours an f64 would round together.
    let e = env(50).await?;
    let all = e
        .coql(
            "v3",
            "select Last_Name from Leads order by id desc limit 50",
        )
        .await?;
    let ids: Vec<u64> = all.body["data"]
        .as_array()
        .ok_or("no data")?
        .iter()
        .filter_map(|r| r["id"].as_str()?.parse().ok())
        .collect();
    assert_eq!(ids.len(), 50);
    for pivot in [10, 25] {
        let below = e
            .coql(
                "v3",
                &format!(
                    "select Last_Name from Leads where id < {} order by id desc limit 50",
                    ids[pivot]
                ),
            )
            .await?;
        let got: Vec<u64> = below.body["data"]
            .as_array()
            .ok_or("no data")?
            .iter()
            .filter_map(|r| r["id"].as_str()?.parse().ok())
            .collect();
        assert_eq!(got, ids[pivot + 1..].to_vec());
        let quoted = e
            .coql(
                "v3",
                &format!("select Last_Name from Leads where id = '{}'", ids[pivot]),
            )
            .await?;
        assert_eq!(quoted.body["data"].as_array().map(Vec::len), Some(1));
    }
    Ok(())
}

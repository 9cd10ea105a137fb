//! A tokenizer and recursive-descent parser for COQL (crm.md §4):
//! `select <cols> from <module> [where <criteria>] [order by <col> [asc|desc], ...]
//! [limit <n> [offset <m>] | limit <m>, <n>]`. Keywords are case-insensitive; more than two
//! criteria must be bracketed pairwise, as Zoho insists.

use serde_json::{Value, json};

/// A refused query: Zoho's code, details and message, answered with HTTP 400.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct QueryError {
    pub code: &'static str,
    pub details: Value,
    pub message: &'static str,
}

const PARSE_MESSAGE: &str = "error occured while parsing the query";

fn syntax(details: Value) -> QueryError {
    QueryError {
        code: "SYNTAX_ERROR",
        details,
        message: PARSE_MESSAGE,
    }
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Word(String),
    Str(String),
    Num(String),
    Sym(&'static str),
}

impl Tok {
    fn text(&self) -> String {
        match self {
            Tok::Word(w) | Tok::Num(w) => w.clone(),
            Tok::Str(s) => format!("'{s}'"),
            Tok::Sym(s) => (*s).to_owned(),
        }
    }
}

#[derive(Debug, Clone)]
struct Token {
    tok: Tok,
    line: usize,
    column: usize,
}

fn tokenize(text: &str) -> Result<Vec<Token>, QueryError> {
    let chars: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    let (mut i, mut line, mut line_start) = (0, 1, 0);
    while i < chars.len() {
        let c = chars[i];
        let column = i - line_start + 1;
        let push = |out: &mut Vec<Token>, tok| out.push(Token { tok, line, column });
        if c == '\n' {
            line += 1;
            line_start = i + 1;
            i += 1;
        } else if c.is_whitespace() {
            i += 1;
        } else if c == '\'' {
            let mut value = String::new();
            i += 1;
            loop {
                match chars.get(i) {
                    None => {
                        return Err(syntax(
                            json!({"line": line, "column": column, "near": format!("'{value}")}),
                        ));
                    }
                    Some('\'') if chars.get(i + 1) == Some(&'\'') => {
                        value.push('\'');
                        i += 2;
                    }
                    Some('\'') => {
                        i += 1;
                        break;
                    }
                    Some(other) => {
                        value.push(*other);
                        i += 1;
                    }
                }
            }
            push(&mut out, Tok::Str(value));
        } else if c.is_ascii_digit()
            || (c == '-' && chars.get(i + 1).is_some_and(char::is_ascii_digit))
        {
            let start = i;
            i += 1;
            while i < chars.len() && (chars[i].is_ascii_digit() || chars[i] == '.') {
                i += 1;
            }
            push(&mut out, Tok::Num(chars[start..i].iter().collect()));
        } else if c.is_alphanumeric() || c == '_' || c == '$' {
            let start = i;
            while i < chars.len()
                && (chars[i].is_alphanumeric() || chars[i] == '_' || chars[i] == '$')
            {
                i += 1;
            }
            push(&mut out, Tok::Word(chars[start..i].iter().collect()));
        } else if c == '`' || c == '"' {
            // A quoted name (reserved words used as names must be quoted).
            let quote = c;
            let start = i + 1;
            i += 1;
            while i < chars.len() && chars[i] != quote {
                i += 1;
            }
            if i >= chars.len() {
                return Err(syntax(
                    json!({"line": line, "column": column, "near": quote.to_string()}),
                ));
            }
            push(&mut out, Tok::Word(chars[start..i].iter().collect()));
            i += 1;
        } else {
            let two: String = chars[i..(i + 2).min(chars.len())].iter().collect();
            let sym = match two.as_str() {
                "<=" => Some("<="),
                ">=" => Some(">="),
                "!=" => Some("!="),
                "<>" => Some("<>"),
                _ => None,
            };
            if let Some(sym) = sym {
                push(&mut out, Tok::Sym(sym));
                i += 2;
                continue;
            }
            let sym = match c {
                ',' => ",",
                '(' => "(",
                ')' => ")",
                '.' => ".",
                '=' => "=",
                '<' => "<",
                '>' => ">",
                '*' => "*",
                _ => {
                    return Err(syntax(
                        json!({"line": line, "column": column, "near": c.to_string()}),
                    ));
                }
            };
            push(&mut out, Tok::Sym(sym));
            i += 1;
        }
    }
    Ok(out)
}

/// A column, possibly reaching through a lookup: `Account_Name.Account_Name`.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Column(pub Vec<String>);

impl Column {
    /// `Owner.name`.
    pub(crate) fn text(&self) -> String {
        self.0.join(".")
    }
}

/// A literal value in a criterion.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Literal {
    Str(String),
    Num(String),
    Bool(bool),
}

/// A comparison operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum CmpOp {
    Eq,
    Ne,
    Lt,
    Gt,
    Le,
    Ge,
    Like,
    NotLike,
    In,
    NotIn,
    IsNull,
    IsNotNull,
    Between,
}

impl CmpOp {
    /// The operator as written.
    pub(crate) fn text(self) -> &'static str {
        match self {
            CmpOp::Eq => "=",
            CmpOp::Ne => "!=",
            CmpOp::Lt => "<",
            CmpOp::Gt => ">",
            CmpOp::Le => "<=",
            CmpOp::Ge => ">=",
            CmpOp::Like => "like",
            CmpOp::NotLike => "not like",
            CmpOp::In => "in",
            CmpOp::NotIn => "not in",
            CmpOp::IsNull => "is null",
            CmpOp::IsNotNull => "is not null",
            CmpOp::Between => "between",
        }
    }
}

/// One criterion.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Criterion {
    pub column: Column,
    pub op: CmpOp,
    pub values: Vec<Literal>,
}

/// Criteria joined by and/or.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Expr {
    And(Box<Expr>, Box<Expr>),
    Or(Box<Expr>, Box<Expr>),
    Leaf(Criterion),
}

impl Expr {
    /// Every criterion, in order.
    pub(crate) fn criteria(&self) -> Vec<&Criterion> {
        match self {
            Expr::And(a, b) | Expr::Or(a, b) => {
                let mut all = a.criteria();
                all.extend(b.criteria());
                all
            }
            Expr::Leaf(c) => vec![c],
        }
    }
}

/// An aggregate function of a select list (v4 and later).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum AggregateFn {
    Count,
    Sum,
    Min,
    Max,
    Avg,
}

impl AggregateFn {
    fn parse(word: &str) -> Option<AggregateFn> {
        match word.to_ascii_lowercase().as_str() {
            "count" => Some(AggregateFn::Count),
            "sum" => Some(AggregateFn::Sum),
            "min" => Some(AggregateFn::Min),
            "max" => Some(AggregateFn::Max),
            "avg" => Some(AggregateFn::Avg),
            _ => None,
        }
    }
}

/// `COUNT(Lead_Source)`, `SUM(Annual_Revenue) as revenue`.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Aggregate {
    pub func: AggregateFn,
    pub column: Column,
    /// The name its value has in each row: the alias, or the expression as written.
    pub name: String,
    pub aliased: bool,
}

/// A parsed query.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Query {
    pub columns: Vec<Column>,
    /// Aggregates of the select list, in order; empty for a plain query.
    pub aggregates: Vec<Aggregate>,
    /// `GROUP BY` columns.
    pub group_by: Vec<Column>,
    pub module: String,
    pub filter: Option<Expr>,
    pub order: Vec<(Column, bool)>,
    pub limit: Option<u64>,
    pub offset: Option<u64>,
}

struct Parser {
    tokens: Vec<Token>,
    pos: usize,
}

impl Parser {
    fn peek(&self) -> Option<&Tok> {
        self.tokens.get(self.pos).map(|t| &t.tok)
    }

    fn is_word(&self, word: &str) -> bool {
        matches!(self.peek(), Some(Tok::Word(w)) if w.eq_ignore_ascii_case(word))
    }

    fn is_sym(&self, sym: &str) -> bool {
        matches!(self.peek(), Some(Tok::Sym(s)) if *s == sym)
    }

    fn unexpected(&self) -> QueryError {
        match self.tokens.get(self.pos) {
            Some(t) => syntax(json!({"line": t.line, "column": t.column, "near": t.tok.text()})),
            None => {
                let near = self.tokens.last().map(|t| t.tok.text()).unwrap_or_default();
                syntax(json!({ "near": near }))
            }
        }
    }

    fn expect_word(&mut self, word: &str, clause: &str) -> Result<(), QueryError> {
        if self.is_word(word) {
            self.pos += 1;
            Ok(())
        } else if self.peek().is_none() {
            Err(syntax(json!({ "clause": clause })))
        } else {
            Err(self.unexpected())
        }
    }

    fn expect_sym(&mut self, sym: &str) -> Result<(), QueryError> {
        if self.is_sym(sym) {
            self.pos += 1;
            Ok(())
        } else {
            Err(self.unexpected())
        }
    }

    fn name(&mut self) -> Result<String, QueryError> {
        match self.peek() {
            Some(Tok::Word(w)) => {
                let w = w.clone();
                self.pos += 1;
                Ok(w)
            }
            _ => Err(self.unexpected()),
        }
    }

    fn column(&mut self) -> Result<Column, QueryError> {
        let mut parts = vec![self.name()?];
        while self.is_sym(".") {
            self.pos += 1;
            parts.push(self.name()?);
        }
        if self.is_sym("(") {
            return Err(self.unexpected());
        }
        Ok(Column(parts))
    }

    /// A select-list item: a column, or an aggregate with an optional `as` alias.
    fn select_item(
        &mut self,
        columns: &mut Vec<Column>,
        aggregates: &mut Vec<Aggregate>,
    ) -> Result<(), QueryError> {
        let next_is_call = matches!(
            self.tokens.get(self.pos + 1).map(|t| &t.tok),
            Some(Tok::Sym("("))
        );
        let func = match self.peek() {
            Some(Tok::Word(w)) if next_is_call => AggregateFn::parse(w).map(|f| (f, w.clone())),
            _ => None,
        };
        let Some((func, written)) = func else {
            columns.push(self.column()?);
            return Ok(());
        };
        self.pos += 2;
        let column = self.column()?;
        self.expect_sym(")")?;
        let (name, aliased) = if self.is_word("as") {
            self.pos += 1;
            (self.name()?, true)
        } else {
            (format!("{written}({})", column.text()), false)
        };
        aggregates.push(Aggregate {
            func,
            column,
            name,
            aliased,
        });
        Ok(())
    }

    fn literal(&mut self) -> Result<Literal, QueryError> {
        let lit = match self.peek() {
            Some(Tok::Str(s)) => Literal::Str(s.clone()),
            Some(Tok::Num(n)) => Literal::Num(n.clone()),
            Some(Tok::Word(w)) if w.eq_ignore_ascii_case("true") => Literal::Bool(true),
            Some(Tok::Word(w)) if w.eq_ignore_ascii_case("false") => Literal::Bool(false),
            _ => return Err(self.unexpected()),
        };
        self.pos += 1;
        Ok(lit)
    }

    fn list(&mut self) -> Result<Vec<Literal>, QueryError> {
        self.expect_sym("(")?;
        let mut values = vec![self.literal()?];
        while self.is_sym(",") {
            self.pos += 1;
            values.push(self.literal()?);
        }
        self.expect_sym(")")?;
        Ok(values)
    }

    fn criterion(&mut self) -> Result<Criterion, QueryError> {
        let column = self.column()?;
        let (op, values) = match self.peek().cloned() {
            Some(Tok::Sym(sym)) => {
                let op = match sym {
                    "=" => CmpOp::Eq,
                    "!=" => CmpOp::Ne,
                    "<" => CmpOp::Lt,
                    ">" => CmpOp::Gt,
                    "<=" => CmpOp::Le,
                    ">=" => CmpOp::Ge,
                    other => return Err(syntax(json!({ "operator": other }))),
                };
                self.pos += 1;
                (op, vec![self.literal()?])
            }
            Some(Tok::Word(w)) => {
                let w = w.to_ascii_lowercase();
                self.pos += 1;
                match w.as_str() {
                    "like" => (CmpOp::Like, vec![self.literal()?]),
                    "in" => (CmpOp::In, self.list()?),
                    "between" => {
                        let low = self.literal()?;
                        self.expect_word("and", "where")?;
                        (CmpOp::Between, vec![low, self.literal()?])
                    }
                    "not" => {
                        if self.is_word("like") {
                            self.pos += 1;
                            (CmpOp::NotLike, vec![self.literal()?])
                        } else if self.is_word("in") {
                            self.pos += 1;
                            (CmpOp::NotIn, self.list()?)
                        } else {
                            return Err(self.unexpected());
                        }
                    }
                    "is" => {
                        let negated = self.is_word("not");
                        if negated {
                            self.pos += 1;
                        }
                        self.expect_word("null", "where")?;
                        (
                            if negated {
                                CmpOp::IsNotNull
                            } else {
                                CmpOp::IsNull
                            },
                            Vec::new(),
                        )
                    }
                    other => return Err(syntax(json!({ "operator": other }))),
                }
            }
            Some(_) => return Err(self.unexpected()),
            None => return Err(syntax(json!({"clause": "where"}))),
        };
        Ok(Criterion { column, op, values })
    }

    fn primary(&mut self) -> Result<Expr, QueryError> {
        if self.is_sym("(") {
            self.pos += 1;
            let inner = self.expr()?;
            self.expect_sym(")")?;
            Ok(inner)
        } else {
            Ok(Expr::Leaf(self.criterion()?))
        }
    }

    /// At most two operands per bracket level (crm.md §4: `((A and B) and C)`).
    fn expr(&mut self) -> Result<Expr, QueryError> {
        let left = self.primary()?;
        let joined = if self.is_word("and") {
            self.pos += 1;
            Expr::And(Box::new(left), Box::new(self.primary()?))
        } else if self.is_word("or") {
            self.pos += 1;
            Expr::Or(Box::new(left), Box::new(self.primary()?))
        } else {
            return Ok(left);
        };
        if self.is_word("and") || self.is_word("or") {
            return Err(self.unexpected());
        }
        Ok(joined)
    }

    fn number(&mut self) -> Result<u64, QueryError> {
        match self.peek() {
            Some(Tok::Num(n)) => {
                let value = n.parse::<u64>().map_err(|_| self.unexpected())?;
                self.pos += 1;
                Ok(value)
            }
            _ => Err(self.unexpected()),
        }
    }

    fn query(&mut self) -> Result<Query, QueryError> {
        self.expect_word("select", "select")?;
        if self.peek().is_none() || self.is_word("from") {
            return Err(syntax(json!({"clause": "select"})));
        }
        let (mut columns, mut aggregates) = (Vec::new(), Vec::new());
        self.select_item(&mut columns, &mut aggregates)?;
        while self.is_sym(",") {
            self.pos += 1;
            self.select_item(&mut columns, &mut aggregates)?;
        }
        self.expect_word("from", "from")?;
        let module = self.name()?;
        let mut filter = None;
        if self.is_word("where") {
            self.pos += 1;
            if self.peek().is_none() {
                return Err(syntax(json!({"clause": "where"})));
            }
            filter = Some(self.expr()?);
        }
        let mut group_by = Vec::new();
        if self.is_word("group") {
            self.pos += 1;
            self.expect_word("by", "group by")?;
            group_by.push(self.column()?);
            while self.is_sym(",") {
                self.pos += 1;
                group_by.push(self.column()?);
            }
        }
        let mut order = Vec::new();
        if self.is_word("order") {
            self.pos += 1;
            self.expect_word("by", "order by")?;
            loop {
                let column = self.column()?;
                let mut ascending = true;
                if self.is_word("asc") {
                    self.pos += 1;
                } else if self.is_word("desc") {
                    self.pos += 1;
                    ascending = false;
                }
                order.push((column, ascending));
                if self.is_sym(",") {
                    self.pos += 1;
                } else {
                    break;
                }
            }
        }
        let (mut limit, mut offset) = (None, None);
        if self.is_word("limit") {
            self.pos += 1;
            let first = self.number()?;
            if self.is_sym(",") {
                // MySQL form: limit <offset>, <count>.
                self.pos += 1;
                offset = Some(first);
                limit = Some(self.number()?);
            } else {
                limit = Some(first);
            }
        }
        if self.is_word("offset") {
            self.pos += 1;
            offset = Some(self.number()?);
        }
        if self.peek().is_some() {
            return Err(self.unexpected());
        }
        Ok(Query {
            columns,
            aggregates,
            group_by,
            module,
            filter,
            order,
            limit,
            offset,
        })
    }
}

/// Parses a COQL select query.
pub(crate) fn parse(text: &str) -> Result<Query, QueryError> {
    let tokens = tokenize(text)?;
    Parser { tokens, pos: 0 }.query()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn parses_a_full_query() {
        let q = parse(
            "SELECT Last_Name, Owner.name FROM Leads WHERE ((Last_Name = 'O''Hara' and Annual_Revenue >= 10) or Email is not null) ORDER BY Created_Time desc, id LIMIT 5 OFFSET 10",
        )
        .unwrap();
        assert_eq!(q.columns.len(), 2);
        assert_eq!(q.columns[1].text(), "Owner.name");
        assert_eq!(q.module, "Leads");
        let criteria = q.filter.as_ref().unwrap().criteria();
        assert_eq!(criteria.len(), 3);
        assert_eq!(criteria[0].values, vec![Literal::Str("O'Hara".into())]);
        assert_eq!(criteria[2].op, CmpOp::IsNotNull);
        assert_eq!(
            q.order,
            vec![
                (Column(vec!["Created_Time".into()]), false),
                (Column(vec!["id".into()]), true)
            ]
        );
        assert_eq!((q.limit, q.offset), (Some(5), Some(10)));
    }

    #[test]
    fn three_criteria_without_brackets_are_a_syntax_error() {
        let err = parse("select id from Leads where a = 1 and b = 2 and c = 3").unwrap_err();
        assert_eq!(err.code, "SYNTAX_ERROR");
        assert_eq!(err.details["near"], "and");
        assert!(parse("select id from Leads where (a = 1 and b = 2) and c = 3").is_ok());
    }

    #[test]
    fn reports_missing_clauses_and_bad_operators() {
        assert_eq!(
            parse("select id").unwrap_err().details,
            json!({"clause": "from"})
        );
        assert_eq!(
            parse("select id from Leads where a ~ 1").unwrap_err().code,
            "SYNTAX_ERROR"
        );
        assert_eq!(
            parse("select id from Leads where a equals 1")
                .unwrap_err()
                .details,
            json!({"operator": "equals"})
        );
        let q =
            parse("select id from Leads where a between 1 and 5 and b not in ('x','y')").unwrap();
        assert_eq!(q.filter.unwrap().criteria()[1].op, CmpOp::NotIn);
        assert_eq!(
            parse("select id from Leads limit 10, 20").unwrap().offset,
            Some(10)
        );
    }

    #[test]
    fn garbage_never_panics() {
        let pieces = [
            "select", "from", "where", "order", "by", "limit", "offset", "and", "or", "not", "in",
            "like", "is", "null", "between", "(", ")", ",", ".", "=", "!=", "<", ">=", "'", "''",
            "'x'", "12", "-3", "4.5", "Leads", "Email", "`", "\"", "*", "é", "\n", "asc", "desc",
        ];
        let mut state: u64 = 0x2545_F491_4F6C_DD1D;
        for _ in 0..3_000 {
            let mut query = String::new();
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let len = state % 12;
            for n in 0..len {
                let pick = (state.rotate_left(n as u32 * 5) % pieces.len() as u64) as usize;
                query.push_str(pieces[pick]);
                if n % 3 != 2 {
                    query.push(' ');
                }
            }
            let _ = parse(&query);
        }
    }
}

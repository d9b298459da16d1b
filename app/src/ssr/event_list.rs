//! The events list: filters, keyset pages (newest first) and exports. SQL is built from the
//! filters present, so each query can use its index.
use crate::ssr::Result;
use crate::types::activity::{EventPage, EventQuery, EventRow};
use crate::types::flow::FieldErrors;
use ipnetwork::IpNetwork;
use sqlx::{PgPool, Postgres, QueryBuilder};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use uuid::Uuid;

pub const PAGE_SIZE: i64 = 100;
/// Exports stop here; narrow the filter for more.
pub const EXPORT_LIMIT: i64 = 100_000;

/// A validated filter.
#[derive(Default)]
pub struct Filter {
    action: Option<String>,
    username: Option<String>,
    ip: Option<IpNetwork>,
    since: Option<OffsetDateTime>,
    until: Option<OffsetDateTime>,
    search: Option<String>,
    after: Option<(OffsetDateTime, Uuid)>,
}

fn date(raw: &str, end_of_day: bool) -> Option<OffsetDateTime> {
    if let Ok(t) = OffsetDateTime::parse(raw, &Rfc3339) {
        return Some(t);
    }
    let d = time::Date::parse(
        raw,
        time::macros::format_description!("[year]-[month]-[day]"),
    )
    .ok()?;
    let t = d.midnight().assume_utc();
    if end_of_day {
        // None past the last day `time` can hold (9999-12-31), rather than a panic.
        t.checked_add(time::Duration::days(1))
    } else {
        Some(t)
    }
}

fn text(s: &str, max: usize) -> Option<String> {
    let s = s.trim();
    (!s.is_empty()).then(|| s.chars().take(max).collect())
}

pub fn parse(q: &EventQuery) -> Result<Filter, FieldErrors> {
    let mut errors = FieldErrors::new();
    let mut f = Filter {
        action: text(&q.action, 64),
        username: text(&q.username, 150),
        ..Filter::default()
    };
    if let Some(ip) = text(&q.client_ip, 64) {
        match ip.parse::<IpNetwork>() {
            Ok(net) => f.ip = Some(net),
            Err(_) => {
                errors.insert(
                    "client_ip".into(),
                    "Enter an IP address or a CIDR range like 10.0.0.0/8.".into(),
                );
            }
        }
    }
    for (field, raw, end) in [("since", &q.since, false), ("until", &q.until, true)] {
        if let Some(raw) = text(raw, 64) {
            match date(&raw, end) {
                Some(t) if field == "since" => f.since = Some(t),
                Some(t) => f.until = Some(t),
                None => {
                    errors.insert(field.into(), "Enter a date as YYYY-MM-DD.".into());
                }
            }
        }
    }
    if let Some(search) = text(&q.search, 200) {
        f.search = Some(format!(
            "%{}%",
            search
                .replace('\\', "\\\\")
                .replace('%', "\\%")
                .replace('_', "\\_")
        ));
    }
    if let Some(cursor) = text(&q.after, 128) {
        let parsed = cursor.split_once('~').and_then(|(t, id)| {
            Some((
                OffsetDateTime::parse(t, &Rfc3339).ok()?,
                Uuid::parse_str(id).ok()?,
            ))
        });
        match parsed {
            Some(c) => f.after = Some(c),
            None => {
                errors.insert("after".into(), "Invalid page cursor.".into());
            }
        }
    }
    if errors.is_empty() {
        Ok(f)
    } else {
        Err(errors)
    }
}

fn build<'a>(f: &'a Filter, limit: i64) -> QueryBuilder<'a, Postgres> {
    let mut q = QueryBuilder::new(
        "select id, action, username, host(client_ip) as client_ip, created_at, context::text as context from events",
    );
    push_where(&mut q, f);
    q.push(" order by created_at desc, id desc limit ")
        .push_bind(limit);
    q
}

fn push_where<'a>(q: &mut QueryBuilder<'a, Postgres>, f: &'a Filter) {
    q.push(" where true");
    if let Some(a) = &f.action {
        q.push(" and action = ").push_bind(a);
    }
    if let Some(u) = &f.username {
        q.push(" and username = ").push_bind(u);
    }
    if let Some(ip) = &f.ip {
        q.push(" and client_ip <<= ").push_bind(ip);
    }
    if let Some(t) = &f.since {
        q.push(" and created_at >= ").push_bind(t);
    }
    if let Some(t) = &f.until {
        q.push(" and created_at < ").push_bind(t);
    }
    if let Some(s) = &f.search {
        q.push(" and context::text ilike ").push_bind(s);
    }
    if let Some((t, id)) = &f.after {
        q.push(" and (created_at, id) < (")
            .push_bind(t)
            .push(", ")
            .push_bind(id)
            .push(")");
    }
}

/// A numbered page, newest first, and the number of matches: what the REST API pages by.
pub async fn numbered(
    pool: &PgPool,
    f: &Filter,
    offset: i64,
    limit: i64,
) -> Result<(Vec<EventRow>, i64)> {
    let mut count = QueryBuilder::new("select count(*) from events");
    push_where(&mut count, f);
    let total: i64 = count.build_query_scalar().fetch_one(pool).await?;
    let mut q = build(f, limit);
    q.push(" offset ").push_bind(offset);
    let rows = q.build_query_as::<Row>().fetch_all(pool).await?;
    Ok((rows.into_iter().map(to_row).collect(), total))
}

#[derive(sqlx::FromRow)]
struct Row {
    id: Uuid,
    action: String,
    username: String,
    client_ip: Option<String>,
    created_at: OffsetDateTime,
    context: String,
}

async fn fetch(pool: &PgPool, f: &Filter, limit: i64) -> Result<Vec<Row>> {
    Ok(build(f, limit)
        .build_query_as::<Row>()
        .fetch_all(pool)
        .await?)
}

fn to_row(r: Row) -> EventRow {
    EventRow {
        id: r.id.to_string(),
        action: r.action,
        username: r.username,
        client_ip: r.client_ip.unwrap_or_default(),
        created_at: r.created_at.format(&Rfc3339).unwrap_or_default(),
        context: r.context,
    }
}

pub async fn page(pool: &PgPool, f: &Filter) -> Result<EventPage> {
    let mut rows = fetch(pool, f, PAGE_SIZE + 1).await?;
    let next = if rows.len() as i64 > PAGE_SIZE {
        rows.truncate(PAGE_SIZE as usize);
        rows.last()
            .map(|r| {
                format!(
                    "{}~{}",
                    r.created_at.format(&Rfc3339).unwrap_or_default(),
                    r.id
                )
            })
            .unwrap_or_default()
    } else {
        String::new()
    };
    Ok(EventPage {
        rows: rows.into_iter().map(to_row).collect(),
        next,
    })
}

/// Every matching event (up to the export limit), newest first.
pub async fn export(pool: &PgPool, f: &Filter) -> Result<Vec<EventRow>> {
    Ok(fetch(pool, f, EXPORT_LIMIT)
        .await?
        .into_iter()
        .map(to_row)
        .collect())
}

/// A user's own latest events (by user id, so a renamed account keeps its history).
pub async fn recent_for_user(pool: &PgPool, user: Uuid, limit: i64) -> Result<Vec<EventRow>> {
    let rows = sqlx::query_as::<_, Row>(
        "select id, action, username, host(client_ip) as client_ip, created_at, context::text as context
           from events where user_id = $1 order by created_at desc, id desc limit $2",
    )
    .bind(user)
    .bind(limit)
    .fetch_all(pool)
    .await?;
    Ok(rows.into_iter().map(to_row).collect())
}

/// RFC 4180 CSV; cells that a spreadsheet would run as a formula are prefixed with `'`.
pub fn to_csv(rows: &[EventRow]) -> String {
    fn cell(s: &str) -> String {
        let s = if s.starts_with(['=', '+', '-', '@', '\t', '\r']) {
            format!("'{s}")
        } else {
            s.to_string()
        };
        if s.contains([',', '"', '\n', '\r']) {
            format!("\"{}\"", s.replace('"', "\"\""))
        } else {
            s
        }
    }
    let mut out = String::from("created_at,action,username,client_ip,context\r\n");
    for r in rows {
        let cells = [
            &r.created_at,
            &r.action,
            &r.username,
            &r.client_ip,
            &r.context,
        ];
        out.push_str(&cells.iter().map(|c| cell(c)).collect::<Vec<_>>().join(","));
        out.push_str("\r\n");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filter_errors_are_per_field() {
        let q = EventQuery {
            client_ip: "nope".into(),
            since: "yesterday".into(),
            ..Default::default()
        };
        let errors = parse(&q).err().expect("invalid");
        assert!(errors.contains_key("client_ip") && errors.contains_key("since"));
        assert!(
            parse(&EventQuery {
                client_ip: "10.0.0.0/8".into(),
                until: "2026-01-31".into(),
                ..Default::default()
            })
            .is_ok()
        );
    }

    #[test]
    fn csv_quotes_and_defuses_formulas() {
        let row = EventRow {
            id: "x".into(),
            action: "login".into(),
            username: "=cmd()".into(),
            client_ip: "127.0.0.1".into(),
            created_at: "2026-11-23T00:00:00Z".into(),
            context: "{\"a\":\"b,c\"}".into(),
        };
        let csv = to_csv(&[row]);
        assert_eq!(
            csv.lines().nth(1),
            Some("2026-11-23T00:00:00Z,login,'=cmd(),127.0.0.1,\"{\"\"a\"\":\"\"b,c\"\"}\"")
        );
    }

    /// The last day `time` knows, as the end of a range: once overflowed (a panic).
    #[test]
    fn the_last_representable_day_is_refused_not_a_panic() {
        let q = EventQuery {
            until: "9999-12-31".into(),
            ..Default::default()
        };
        let errors = parse(&q).err().expect("out of range");
        assert_eq!(errors["until"], "Enter a date as YYYY-MM-DD.");
        let q = EventQuery {
            since: "9999-12-31".into(),
            ..Default::default()
        };
        assert!(parse(&q).is_ok());
    }

    proptest::proptest! {
        /// Any filter text: a filter or field errors, never a panic.
        #[test]
        fn filters_never_panic(
            any in proptest::collection::vec(proptest::prelude::any::<String>(), 7),
            date in "(9999|0000|[0-9]{1,5})-(12|0[0-9]|[0-9])-(31|[0-3][0-9])(T[0-9]{2}:[0-9]{2}:[0-9]{2}(Z|[+-][0-9]{2}:[0-9]{2}))?",
            ip in "[0-9a-f:.]{0,20}(/[0-9]{1,3})?",
        ) {
            let q = EventQuery {
                action: any[0].clone(),
                username: any[1].clone(),
                client_ip: any[2].clone(),
                since: any[3].clone(),
                until: any[4].clone(),
                search: any[5].clone(),
                after: format!("{date}~{}", any[6]),
            };
            let _ = parse(&q);
            let q = EventQuery {
                client_ip: ip,
                since: date.clone(),
                until: date,
                ..Default::default()
            };
            let _ = parse(&q);
        }
    }
}

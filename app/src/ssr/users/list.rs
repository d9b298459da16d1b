//! The admin users list: search, sort and pages, on indexed columns so it stays fast at 100k users.
use crate::ssr::Result;
use crate::types::directory::{UserPage, UserQuery, UserRow, UserSort};
use sqlx::PgPool;

pub const PAGE_SIZE: u32 = 50;
/// Totals above this show as "10000+".
pub const COUNT_CAP: i64 = 10_000;

#[derive(sqlx::FromRow)]
pub(crate) struct Row {
    pub id: uuid::Uuid,
    pub username: String,
    pub name: String,
    pub email: Option<String>,
    pub is_active: bool,
    pub kind: String,
    pub last_login: Option<time::OffsetDateTime>,
}

pub async fn list(pool: &PgPool, q: &UserQuery) -> Result<UserPage> {
    let search = q.search.trim();
    let pattern = format!("%{}%", escape_like(search));
    let limit = i64::from(PAGE_SIZE);
    let offset = i64::from(q.page.min(100_000)) * limit;
    // A search is first tried as narrow: one pass collects (at most COUNT_CAP + 1) matches,
    // counts them and sorts the page out of them.
    let mut narrow: Option<(Vec<Row>, i64)> = None;
    if !search.is_empty() {
        let rows: Vec<Counted> = sqlx::query_as(&page_sql(q, true))
            .bind(search)
            .bind(&pattern)
            .bind(limit)
            .bind(offset)
            .fetch_all(pool)
            .await?;
        let total = match rows.first() {
            Some(r) => r.total,
            None => count(pool, search, &pattern).await?,
        };
        if total <= COUNT_CAP {
            narrow = Some((rows.into_iter().map(|r| r.row).collect(), total));
        }
    }
    let (rows, counted) = match narrow {
        Some(found) => found,
        // Broad (or no) search: walk the sort column's index.
        None => {
            let counted = if search.is_empty() {
                count(pool, search, &pattern).await?
            } else {
                COUNT_CAP + 1
            };
            let rows: Vec<Row> = sqlx::query_as(&page_sql(q, false))
                .bind(search)
                .bind(&pattern)
                .bind(limit)
                .bind(offset)
                .fetch_all(pool)
                .await?;
            (rows, counted)
        }
    };
    Ok(UserPage {
        rows: rows.into_iter().map(to_row).collect(),
        total: counted.min(COUNT_CAP),
        total_is_capped: counted > COUNT_CAP,
        page: q.page,
        page_size: PAGE_SIZE,
    })
}

#[derive(sqlx::FromRow)]
struct Counted {
    #[sqlx(flatten)]
    row: Row,
    total: i64,
}

/// Matches, counted up to COUNT_CAP + 1: counting every match of a broad search would scan
/// the table.
async fn count(pool: &PgPool, search: &str, pattern: &str) -> Result<i64> {
    Ok(sqlx::query_scalar(&format!(
        "select count(*) from (select 1 from users where {FILTER} limit {}) matches",
        COUNT_CAP + 1
    ))
    .bind(search)
    .bind(pattern)
    .fetch_one(pool)
    .await?)
}

/// Must stay the expression of the `users_search_idx` trigram index.
const FILTER: &str =
    "($1 = '' or (username::text || ' ' || coalesce(email::text, '') || ' ' || name) ilike $2)";

/// The page query, in two plans:
/// - narrow: collect at most COUNT_CAP + 1 matches through the trigram index, count them, and
///   sort them on a precomputed key; walking the index there could filter most of the table
///   before it found a page;
/// - broad (more matches than that, or no search): walk the sort column's index and stop
///   after the page, because matches are dense.
///
/// `lower(x::text)` sorts as citext does, so both plans give the same order.
fn page_sql(q: &UserQuery, narrow: bool) -> String {
    // The ORDER BY comes from an enum, never from request text.
    let (column, key) = match q.sort {
        UserSort::Username => ("users.username", "lower(username::text)"),
        UserSort::Name => ("users.name", "name"),
        UserSort::Email => ("users.email", "lower(email::text)"),
        UserSort::LastLogin => ("users.last_login", "last_login"),
    };
    // Postgres's default null placement, so one index serves both directions.
    let dir = if q.descending { "desc" } else { "asc" };
    let columns =
        "id, username::text as username, name, email::text as email, is_active, kind, last_login";
    if narrow {
        format!(
            "with matches as materialized (
               select {columns}, {key} as sort_key from users where {FILTER} limit {cap}
             )
             select id, username, name, email, is_active, kind, last_login,
                    (select count(*) from matches) as total
               from matches
              order by sort_key {dir}, id {dir}
              limit $3 offset $4",
            cap = COUNT_CAP + 1
        )
    } else {
        // Qualified names: the bare `username` would be the text output column, which no
        // index sorts.
        format!(
            "select {columns} from users where {FILTER}
              order by {column} {dir}, users.id {dir}
              limit $3 offset $4"
        )
    }
}

pub(crate) fn to_row(r: Row) -> UserRow {
    UserRow {
        id: r.id.to_string(),
        username: r.username,
        name: r.name,
        email: r.email.unwrap_or_default(),
        is_active: r.is_active,
        is_service_account: r.kind == "service_account",
        last_login: r
            .last_login
            .and_then(|t| {
                t.format(&time::format_description::well_known::Rfc3339)
                    .ok()
            })
            .unwrap_or_default(),
    }
}

/// `%` and `_` in a search are literal characters.
fn escape_like(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_")
}

#[cfg(test)]
mod tests {
    #[test]
    fn like_metacharacters_are_escaped() {
        assert_eq!(super::escape_like("50%_a\\"), "50\\%\\_a\\\\");
    }
}

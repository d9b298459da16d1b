//! The admin users list: search, sort and pages, on indexed columns so it stays fast at 100k users.
use crate::ssr::Result;
use crate::types::directory::{UserPage, UserQuery, UserRow, UserSort};
use sqlx::PgPool;

pub const PAGE_SIZE: u32 = 50;
/// Totals above this show as "20000+"; up to it, matches are few enough to sort directly.
pub const COUNT_CAP: i64 = 20_000;

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
    // Counting every match of a broad search costs a scan of the table: stop at the cap.
    let counted: i64 = sqlx::query_scalar(&format!(
        "select count(*) from (select 1 from users where {FILTER} limit {}) matches",
        COUNT_CAP + 1
    ))
    .bind(search)
    .bind(&pattern)
    .fetch_one(pool)
    .await?;
    let capped = counted > COUNT_CAP;
    let size = if q.page_size == 0 {
        PAGE_SIZE
    } else {
        q.page_size.min(1000)
    };
    let sql = page_sql(q, !search.is_empty() && !capped);
    let rows: Vec<Row> = sqlx::query_as(&sql)
        .bind(search)
        .bind(&pattern)
        .bind(i64::from(size))
        .bind(i64::from(q.page.min(1_000_000)) * i64::from(size))
        .fetch_all(pool)
        .await?;
    Ok(UserPage {
        rows: rows.into_iter().map(to_row).collect(),
        total: counted.min(COUNT_CAP),
        total_is_capped: capped,
        page: q.page,
        page_size: size,
    })
}

/// The exact number of users a search matches (the list stops counting at the cap).
pub async fn count(pool: &PgPool, search: &str) -> Result<i64> {
    let search = search.trim();
    let pattern = format!("%{}%", escape_like(search));
    Ok(
        sqlx::query_scalar(&format!("select count(*) from users where {FILTER}"))
            .bind(search)
            .bind(&pattern)
            .fetch_one(pool)
            .await?,
    )
}

/// `users.search` is the stored lower-cased text the `users_search_idx` trigram index covers.
const FILTER: &str = "($1 = '' or users.search like lower($2))";

/// The page query. Two plans, picked from the capped count:
/// - a broad search (or none) walks the sort column's index and stops after the page, because
///   matches are dense;
/// - a narrow one (at most COUNT_CAP matches) collects the matches through the trigram index
///   first and sorts them on a precomputed key; walking the index there could filter most of
///   the table before it found a page. `offset 0` keeps the planner from turning that back
///   into an index walk, without materializing the rows.
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
            "select id, username, name, email, is_active, kind, last_login from (
               select {columns}, {key} as sort_key from users where {FILTER} offset 0
             ) matches
              order by sort_key {dir}, id {dir}
              limit $3 offset $4"
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

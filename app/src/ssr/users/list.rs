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
    // The ORDER BY comes from an enum, never from request text.
    let column = match q.sort {
        UserSort::Username => "username",
        UserSort::Name => "name",
        UserSort::Email => "email",
        UserSort::LastLogin => "last_login",
    };
    // Postgres's default null placement, so one index serves both directions.
    let dir = if q.descending { "desc" } else { "asc" };
    let filter =
        "($1 = '' or (username::text || ' ' || coalesce(email::text, '') || ' ' || name) ilike $2)";
    let sql = format!(
        "select id, username::text as username, name, email::text as email, is_active, kind, last_login
           from users where {filter}
          order by {column} {dir}, id {dir}
          limit $3 offset $4"
    );
    let rows: Vec<Row> = sqlx::query_as(&sql)
        .bind(search)
        .bind(&pattern)
        .bind(i64::from(PAGE_SIZE))
        .bind(i64::from(q.page.min(100_000)) * i64::from(PAGE_SIZE))
        .fetch_all(pool)
        .await?;
    // Counting every match of a broad search costs a scan of the table: stop at the cap.
    let counted: i64 = sqlx::query_scalar(&format!(
        "select count(*) from (select 1 from users where {filter} limit {}) matches",
        COUNT_CAP + 1
    ))
    .bind(search)
    .bind(&pattern)
    .fetch_one(pool)
    .await?;
    Ok(UserPage {
        rows: rows.into_iter().map(to_row).collect(),
        total: counted.min(COUNT_CAP),
        total_is_capped: counted > COUNT_CAP,
        page: q.page,
        page_size: PAGE_SIZE,
    })
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

//! `/api/v3/events/events/`: the audit log, newest first, with the admin list's filters.
use super::auth::Admin;
use super::error::{ApiError, ApiResult};
use super::page::{ListParams, Paginated};
use app::ssr::{AppState, event_list};
use app::types::activity::{EventQuery, EventRow};
use axum::Json;
use axum::extract::{Query, State};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::{IntoParams, ToSchema};

#[derive(Debug, Serialize, ToSchema)]
pub struct EventUser {
    pub username: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Event {
    pub pk: String,
    pub user: EventUser,
    pub action: String,
    pub app: String,
    #[schema(value_type = Object)]
    pub context: Value,
    pub client_ip: Option<String>,
    /// RFC 3339.
    pub created: String,
}

impl From<EventRow> for Event {
    fn from(e: EventRow) -> Self {
        Self {
            pk: e.id,
            user: EventUser {
                username: e.username,
            },
            action: e.action,
            app: "ward".into(),
            context: serde_json::from_str(&e.context).unwrap_or(Value::Null),
            client_ip: Some(e.client_ip).filter(|ip| !ip.is_empty()),
            created: e.created_at,
        }
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct EventFilter {
    pub action: Option<String>,
    pub username: Option<String>,
    /// An address or a CIDR range.
    pub client_ip: Option<String>,
    /// From this day (`YYYY-MM-DD`) or time (RFC 3339) on.
    pub since: Option<String>,
    /// Up to and including this day, or before this time.
    pub until: Option<String>,
}

/// `search` looks into the context; `ordering` may only be `-created` (the default).
#[utoipa::path(get, path = "/events/events/", tag = "events", params(ListParams, EventFilter),
    responses((status = 200, body = Paginated<Event>), (status = 400), (status = 401), (status = 403)))]
pub async fn list_events(
    State(state): State<AppState>,
    _admin: Admin,
    Query(params): Query<ListParams>,
    Query(filter): Query<EventFilter>,
) -> ApiResult<Json<Paginated<Event>>> {
    let req = params.page()?;
    let (_, descending) = params.ordering(&["created"], "created")?;
    if !descending
        && params
            .ordering
            .as_deref()
            .is_some_and(|o| !o.trim().is_empty())
    {
        return Err(ApiError::field(
            "ordering",
            "Events are listed newest first: use -created.",
        ));
    }
    let query = EventQuery {
        action: filter.action.unwrap_or_default(),
        username: filter.username.unwrap_or_default(),
        client_ip: filter.client_ip.unwrap_or_default(),
        since: filter.since.unwrap_or_default(),
        until: filter.until.unwrap_or_default(),
        search: params.search().to_string(),
        after: String::new(),
    };
    let f = event_list::parse(&query).map_err(ApiError::Fields)?;
    let (rows, count) = event_list::numbered(
        &state.pool,
        &f,
        i64::try_from(req.offset()).unwrap_or(i64::MAX),
        i64::from(req.size),
    )
    .await?;
    let results = rows.into_iter().map(Event::from).collect();
    Ok(Json(Paginated::new(
        req,
        u64::try_from(count).unwrap_or(0),
        results,
    )?))
}

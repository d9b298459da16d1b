use crate::types::activity::{EventPage, EventQuery};
use crate::types::directory::Saved;
use leptos::prelude::*;
use server_fn::codec::Json;

/// Superusers only: one page of events matching the filter, newest first. Invalid filter fields
/// come back as field errors.
#[server(prefix = "/-/fn", endpoint = "admin/events/list", input = Json)]
pub async fn admin_list_events(query: EventQuery) -> Result<Saved<EventPage>, ServerFnError> {
    use crate::api::context::{Request, public};
    let req = Request::extract().await?;
    req.require_admin().await?;
    match crate::ssr::event_list::parse(&query) {
        Ok(filter) => crate::ssr::event_list::page(&req.state.pool, &filter)
            .await
            .map(Saved::Ok)
            .map_err(public),
        Err(errors) => Ok(Saved::Invalid(errors)),
    }
}

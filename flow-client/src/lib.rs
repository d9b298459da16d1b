//! The flow pages' client (sign-in, enrollment, recovery).
//!
//! A flow page is rendered on the server and works as a plain HTML form. This module takes the
//! rendered page over: an answer is sent with `fetch`, the button is busy meanwhile, and the
//! server's next card replaces the current one in place, so the page never reloads between
//! stages. It is a WebAssembly of its own, a few KB, because the Leptos app's runtime alone
//! weighs more than a login page may (issue 12); the card's markup has one source, the server.
mod webauthn;

use js_sys::Reflect;
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::{JsFuture, spawn_local};
use web_sys::{
    AddEventListenerOptions, Document, Event, FormData, Headers, HtmlElement, HtmlFormElement,
    HtmlTemplateElement, RequestInit, Response, SubmitEvent, UrlSearchParams,
};

/// The card: everything between the page's head and its end that changes from stage to stage.
const CARD: &str = "#flow-background";
/// The card's form (the one the server renders for every challenge).
const FORM: &str = "#flow-background form";
/// Where the card shows an error that belongs to no field.
const ERROR: &str = "#flow-error";
/// What to focus after a new card came in: the first field in error, else the autofocus one.
const FOCUS: &str = "#flow-background [aria-invalid=true], #flow-background [autofocus]";
/// Said when the server did not answer, or answered with something unexpected.
const UNREACHABLE: &str = "Ward could not be reached. Please try again.";

#[wasm_bindgen(start)]
pub fn start() {
    let Some(document) = web_sys::window().and_then(|w| w.document()) else {
        return;
    };
    attach(&document);
    begin(&document);
    // The e2e tests wait for this before typing, as on the pages the Leptos app hydrates.
    if let Some(root) = document.document_element() {
        let _ = root.set_attribute("data-hydrated", "true");
    }
}

/// What the server said to an answer.
enum Next {
    /// The flow is done (or sends the browser elsewhere): leave for this URL.
    Leave(String),
    /// The flow goes on (next stage, or the same one with errors): fetch the new card.
    Card,
}

/// Starts what a new card runs by itself: a security key's sign-in, or passkey autofill.
fn begin(document: &Document) {
    let Some(ceremony) = webauthn::Ceremony::find(document) else {
        return;
    };
    let Some(form) = document
        .query_selector(FORM)
        .ok()
        .flatten()
        .and_then(|f| f.dyn_into::<HtmlFormElement>().ok())
    else {
        return;
    };
    if ceremony.starts_itself() {
        // As if the person pressed the button (the submit listener runs the ceremony).
        form.set_no_validate(true);
        let _ = form.request_submit();
    } else if ceremony.mode == "conditional" {
        spawn_local(autofill(form, ceremony));
    }
}

/// Passkey autofill: waits for the person to pick a passkey in the username field's menu, then
/// answers with it. Quietly nothing where the browser cannot, or when the person types instead.
async fn autofill(form: HtmlFormElement, ceremony: webauthn::Ceremony) {
    if !webauthn::autofill_available().await {
        return;
    }
    if let Ok(answer) = webauthn::run(&ceremony).await {
        ceremony.input.set_value(&answer);
        form.set_no_validate(true);
        let _ = form.request_submit();
    }
}

/// Listens for the card's next submit. Once: a card is answered once, then replaced.
fn attach(document: &Document) {
    let Ok(Some(form)) = document.query_selector(FORM) else {
        return;
    };
    let Ok(form) = form.dyn_into::<HtmlFormElement>() else {
        return;
    };
    let target = form.clone();
    let document = document.clone();
    let on_submit = Closure::once_into_js(move |event: Event| {
        event.prevent_default();
        // The button pressed is part of the answer when it has a name (a choice), as in a
        // plain form post.
        let choice = event
            .dyn_ref::<SubmitEvent>()
            .and_then(SubmitEvent::submitter)
            .and_then(|b| {
                Some((
                    b.get_attribute("name")?,
                    b.get_attribute("value").unwrap_or_default(),
                ))
            });
        spawn_local(answer(document, form, choice));
    });
    let options = AddEventListenerOptions::new();
    options.set_once(true);
    let _ = target.add_event_listener_with_callback_and_add_event_listener_options(
        "submit",
        on_submit.unchecked_ref(),
        &options,
    );
}

async fn answer(document: Document, form: HtmlFormElement, choice: Option<(String, String)>) {
    set_busy(&form, true);
    let ceremony = webauthn::Ceremony::find(&document);
    // Any autofill request waiting gives way, unless its own answer is what goes now.
    if !ceremony
        .as_ref()
        .is_some_and(|c| c.mode == "conditional" && !c.input.value().is_empty())
    {
        webauthn::abort_waiting();
    }
    // A security key's ceremony runs first (unless the answer is a choice of another method).
    if let Some(ceremony) = ceremony
        .filter(|c| choice.is_none() && c.mode != "conditional" && c.input.value().is_empty())
    {
        match webauthn::run(&ceremony).await {
            Ok(answer) => ceremony.input.set_value(&answer),
            Err(message) => {
                show_error(&document, &message);
                set_busy(&form, false);
                attach(&document);
                return;
            }
        }
    }
    match send(&form, choice).await {
        Ok(Next::Leave(to)) => leave(&to),
        Ok(Next::Card) => {
            if refresh(&document).await.is_err() {
                reload();
            }
        }
        Err(message) => {
            show_error(&document, &message);
            set_busy(&form, false);
            attach(&document);
        }
    }
}

/// Posts the form as a browser would, asking for the server function's JSON answer.
async fn send(form: &HtmlFormElement, choice: Option<(String, String)>) -> Result<Next, String> {
    let unreachable = |_| UNREACHABLE.to_string();
    let window = web_sys::window().ok_or(UNREACHABLE)?;
    let data = FormData::new_with_form(form).map_err(unreachable)?;
    if let Some((name, value)) = choice {
        data.append_with_str(&name, &value).map_err(unreachable)?;
    }
    let body = UrlSearchParams::new_with_str_sequence_sequence(&data).map_err(unreachable)?;
    let headers = Headers::new().map_err(unreachable)?;
    headers
        .set("Accept", "application/json")
        .map_err(unreachable)?;
    let init = RequestInit::new();
    init.set_method("POST");
    init.set_body(&body);
    init.set_headers(&headers);
    let response: Response = JsFuture::from(window.fetch_with_str_and_init(&form.action(), &init))
        .await
        .and_then(JsCast::dyn_into)
        .map_err(unreachable)?;
    if !response.ok() {
        let text = match response.text() {
            Ok(p) => JsFuture::from(p).await.ok().and_then(|t| t.as_string()),
            Err(_) => None,
        };
        return Err(error_message(text.as_deref().unwrap_or_default()));
    }
    let view = JsFuture::from(response.json().map_err(unreachable)?)
        .await
        .map_err(unreachable)?;
    let challenge = Reflect::get(&view, &"challenge".into()).map_err(unreachable)?;
    let field = |name: &str| {
        Reflect::get(&challenge, &name.into())
            .ok()
            .and_then(|v| v.as_string())
    };
    match (field("component").as_deref(), field("to")) {
        (Some("redirect"), Some(to)) => Ok(Next::Leave(to)),
        (Some(_), _) => Ok(Next::Card),
        (None, _) => Err(UNREACHABLE.to_string()),
    }
}

/// Loads the page again and swaps its card in; the flow's state (and the last answer's errors)
/// live on the server, so the page shows exactly what a reload would.
async fn refresh(document: &Document) -> Result<(), JsValue> {
    let window = web_sys::window().ok_or(JsValue::NULL)?;
    let href = window.location().href()?;
    let response: Response = JsFuture::from(window.fetch_with_str(&href))
        .await?
        .dyn_into()?;
    if response.redirected() {
        leave(&response.url());
        return Ok(());
    }
    let html = JsFuture::from(response.text()?)
        .await?
        .as_string()
        .unwrap_or_default();
    // Parsed into an inert template: the page's styles and scripts in it neither apply nor run
    // (a DOMParser document would have its inline styles checked against the page's CSP).
    let template: HtmlTemplateElement = document.create_element("template")?.dyn_into()?;
    template.set_inner_html(&html);
    let page = template.content();
    let (Some(fresh), Some(current)) = (page.query_selector(CARD)?, document.query_selector(CARD)?)
    else {
        return Err(JsValue::NULL);
    };
    current.replace_with_with_node_1(&fresh)?;
    if let Some(title) = page.query_selector("title")?.and_then(|t| t.text_content()) {
        document.set_title(&title);
    }
    attach(document);
    begin(document);
    if let Some(field) = document
        .query_selector(FOCUS)?
        .and_then(|e| e.dyn_into::<HtmlElement>().ok())
    {
        field.focus()?;
    }
    Ok(())
}

fn set_busy(form: &HtmlFormElement, busy: bool) {
    let _ = form.set_attribute("aria-busy", if busy { "true" } else { "false" });
    if let Ok(buttons) = form.query_selector_all("button[type=submit]") {
        for i in 0..buttons.length() {
            if let Some(button) = buttons
                .item(i)
                .and_then(|n| n.dyn_into::<HtmlElement>().ok())
            {
                let _ = if busy {
                    button.set_attribute("disabled", "")
                } else {
                    button.remove_attribute("disabled")
                };
            }
        }
    }
}

fn show_error(document: &Document, message: &str) {
    if let Ok(Some(slot)) = document.query_selector(ERROR) {
        slot.set_text_content(Some(message));
        let _ = slot.remove_attribute("hidden");
    }
}

fn leave(to: &str) {
    if let Some(window) = web_sys::window() {
        let _ = window.location().assign(to);
    }
}

fn reload() {
    if let Some(window) = web_sys::window() {
        let _ = window.location().reload();
    }
}

/// The message to show for a server function's error answer: its text when the server meant it
/// for people (`ServerError|…`), else the generic one. The same rule as the server-rendered card.
pub fn error_message(body: &str) -> String {
    match body.split_once('|') {
        Some(("ServerError", message)) if !message.trim().is_empty() => message.to_string(),
        _ => UNREACHABLE.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_server_error_shows_its_message() {
        assert_eq!(
            error_message("ServerError|Too many attempts. Try again in 30 seconds."),
            "Too many attempts. Try again in 30 seconds."
        );
        assert_eq!(error_message("ServerError|a|b"), "a|b");
    }

    #[test]
    fn anything_else_is_the_generic_message() {
        for body in [
            "",
            "ServerError|",
            "ServerError|  ",
            "Args|missing slug",
            "<html>502</html>",
        ] {
            assert_eq!(error_message(body), UNREACHABLE, "{body:?}");
        }
    }

    proptest::proptest! {
        /// Any answer body gives a message: the server's own text or the generic one.
        #[test]
        fn any_body_gives_a_message(body in proptest::prelude::any::<String>()) {
            let message = error_message(&body);
            proptest::prop_assert!(!message.trim().is_empty());
            proptest::prop_assert!(message == UNREACHABLE || body.starts_with("ServerError|"));
        }
    }
}

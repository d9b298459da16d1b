//! WebAuthn ceremonies for the flow pages. The server puts the options (webauthn-rs's JSON) on
//! a hidden input of the card, `<input data-webauthn="create|get|conditional" data-options=…>`;
//! the browser's answer (the credential's `toJSON()`) goes back as that input's value.
use js_sys::{Function, JSON, Object, Reflect};
use std::cell::RefCell;
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use web_sys::{AbortController, Document, HtmlInputElement};

/// The card's ceremony input.
pub const INPUT: &str = "#flow-background input[data-webauthn]";

thread_local! {
    /// The autofill request waiting in the background, aborted when the person answers another
    /// way (a browser serves one WebAuthn request at a time).
    static WAITING: RefCell<Option<AbortController>> = const { RefCell::new(None) };
}

/// What the card asks for.
pub struct Ceremony {
    pub input: HtmlInputElement,
    pub mode: String,
    options: String,
}

impl Ceremony {
    pub fn find(document: &Document) -> Option<Self> {
        let input: HtmlInputElement = document.query_selector(INPUT).ok()??.dyn_into().ok()?;
        Some(Self {
            mode: input.get_attribute("data-webauthn")?,
            options: input.get_attribute("data-options")?,
            input,
        })
    }

    /// Whether the card starts it by itself (signing in), rather than on the button (enrolling).
    pub fn starts_itself(&self) -> bool {
        self.mode == "get"
    }
}

/// Stops the autofill request, if one waits.
pub fn abort_waiting() {
    WAITING.with(|w| {
        if let Some(controller) = w.borrow_mut().take() {
            controller.abort();
        }
    });
}

fn get(target: &JsValue, name: &str) -> Result<JsValue, String> {
    Reflect::get(target, &name.into()).map_err(|_| UNSUPPORTED.to_string())
}

const UNSUPPORTED: &str =
    "This browser cannot use security keys or passkeys here. Update it, or use another method.";

/// Whether the browser can offer passkeys in the username field's autofill.
pub async fn autofill_available() -> bool {
    let Some(window) = web_sys::window() else {
        return false;
    };
    let Ok(class) = get(&window, "PublicKeyCredential") else {
        return false;
    };
    let Ok(check) = get(&class, "isConditionalMediationAvailable") else {
        return false;
    };
    let Some(check) = check.dyn_ref::<Function>() else {
        return false;
    };
    let Ok(promise) = check.call0(&class) else {
        return false;
    };
    match promise.dyn_into::<js_sys::Promise>() {
        Ok(p) => JsFuture::from(p)
            .await
            .ok()
            .and_then(|v| v.as_bool())
            .unwrap_or(false),
        Err(_) => false,
    }
}

/// Runs the ceremony: the browser's answer as JSON, or a message for people.
pub async fn run(ceremony: &Ceremony) -> Result<String, String> {
    let window = web_sys::window().ok_or(UNSUPPORTED)?;
    let class = get(&window, "PublicKeyCredential")?;
    if class.is_undefined() {
        return Err(UNSUPPORTED.into());
    }
    let (parse, call) = match ceremony.mode.as_str() {
        "create" => ("parseCreationOptionsFromJSON", "create"),
        _ => ("parseRequestOptionsFromJSON", "get"),
    };
    let parse: Function = get(&class, parse)?.dyn_into().map_err(|_| UNSUPPORTED)?;
    let options = JSON::parse(&ceremony.options).map_err(|_| UNSUPPORTED)?;
    let public_key = parse
        .call1(&class, &get(&options, "publicKey")?)
        .map_err(|_| UNSUPPORTED)?;
    let request = Object::new();
    let set = |k: &str, v: &JsValue| Reflect::set(&request, &k.into(), v).map_err(|_| UNSUPPORTED);
    set("publicKey", &public_key)?;
    if ceremony.mode == "conditional" {
        abort_waiting();
        let controller = AbortController::new().map_err(|_| UNSUPPORTED)?;
        set("mediation", &"conditional".into())?;
        set("signal", &controller.signal())?;
        WAITING.with(|w| *w.borrow_mut() = Some(controller));
    }
    let credentials = get(&get(&window, "navigator")?, "credentials")?;
    let call: Function = get(&credentials, call)?
        .dyn_into()
        .map_err(|_| UNSUPPORTED)?;
    let promise: js_sys::Promise = call
        .call1(&credentials, &request)
        .map_err(|e| refused(&e))?
        .dyn_into()
        .map_err(|_| UNSUPPORTED)?;
    let credential = JsFuture::from(promise).await.map_err(|e| refused(&e))?;
    let to_json: Function = get(&credential, "toJSON")?
        .dyn_into()
        .map_err(|_| UNSUPPORTED)?;
    let answer = to_json.call0(&credential).map_err(|_| UNSUPPORTED)?;
    JSON::stringify(&answer)
        .ok()
        .and_then(|s| s.as_string())
        .ok_or_else(|| UNSUPPORTED.to_string())
}

const CANCELLED: &str = "The security key did not answer, or it was cancelled. Try again.";

/// The browser's refusal, for people (DOMException names, WebAuthn §6.3).
fn refused(error: &JsValue) -> String {
    let name = Reflect::get(error, &"name".into())
        .ok()
        .and_then(|n| n.as_string())
        .unwrap_or_default();
    message_for(&name).to_string()
}

pub fn message_for(name: &str) -> &'static str {
    match name {
        "NotAllowedError" | "AbortError" => CANCELLED,
        "InvalidStateError" => "This security key is already enrolled.",
        "SecurityError" => {
            "This address cannot use security keys: open the site by its domain name, over HTTPS."
        }
        "NotSupportedError" => "This security key does not support what the site asks for.",
        _ => UNSUPPORTED,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn browser_refusals_have_messages() {
        assert_eq!(message_for("NotAllowedError"), CANCELLED);
        assert!(message_for("InvalidStateError").contains("already enrolled"));
        assert_eq!(message_for("SomethingNew"), UNSUPPORTED);
    }
}

//! What every form does with its server action's answer.
use crate::components::toast::{error_text, use_toasts};
use crate::types::directory::Saved;
use crate::types::flow::FieldErrors;
use leptos::prelude::*;

/// Field errors go beside the fields; success clears them, calls `on_ok` with what was saved
/// and shows `message`; any other failure is a toast. Answers from before this form was
/// mounted are ignored.
pub fn on_saved<I, T>(
    action: Action<I, Result<Saved<T>, ServerFnError>>,
    errors: RwSignal<FieldErrors>,
    message: &'static str,
    on_ok: impl Fn(T) + 'static,
) where
    I: Send + Sync + 'static,
    T: Clone + Send + Sync + 'static,
{
    let toasts = use_toasts();
    let seen = action.version().get_untracked();
    Effect::new(move |_| {
        if action.version().get() == seen {
            return;
        }
        match action.value().get() {
            Some(Ok(Saved::Ok(saved))) => {
                errors.set(FieldErrors::new());
                on_ok(saved);
                toasts.ok(message);
            }
            Some(Ok(Saved::Invalid(e))) => errors.set(e),
            Some(Err(e)) => toasts.error(error_text(&e)),
            None => {}
        }
    });
}

/// For actions that return nothing: `message` on success, the error as a toast otherwise.
pub fn on_done<I>(action: Action<I, Result<(), ServerFnError>>, message: &'static str)
where
    I: Send + Sync + 'static,
{
    let toasts = use_toasts();
    let seen = action.version().get_untracked();
    Effect::new(move |_| {
        if action.version().get() == seen {
            return;
        }
        match action.value().get() {
            Some(Ok(())) => toasts.ok(message),
            Some(Err(e)) => toasts.error(error_text(&e)),
            None => {}
        }
    });
}

//! Success and failure messages that appear for a few seconds.
use leptos::prelude::*;

#[derive(Clone, Debug, PartialEq)]
pub struct Toast {
    id: u64,
    ok: bool,
    text: String,
}

#[derive(Clone, Copy)]
pub struct Toasts(RwSignal<Vec<Toast>>);

impl Toasts {
    pub fn ok(&self, text: impl Into<String>) {
        self.push(true, text.into());
    }

    pub fn error(&self, text: impl Into<String>) {
        self.push(false, text.into());
    }

    fn push(&self, ok: bool, text: String) {
        let list = self.0;
        let id = list.with_untracked(|l| l.last().map(|t| t.id + 1).unwrap_or(0));
        list.update(|l| l.push(Toast { id, ok, text }));
        set_timeout(
            move || list.update(|l| l.retain(|t| t.id != id)),
            std::time::Duration::from_secs(5),
        );
    }
}

/// Called once by the app, so every page shares one list.
pub fn provide_toasts() {
    provide_context(Toasts(RwSignal::new(Vec::new())));
}

pub fn use_toasts() -> Toasts {
    use_context::<Toasts>().unwrap_or_else(|| Toasts(RwSignal::new(Vec::new())))
}

/// Where toasts show: bottom right, announced to screen readers.
#[component]
pub fn ToastHost() -> impl IntoView {
    let toasts = use_toasts();
    view! {
        <div aria-live="polite" class="fixed bottom-4 right-4 z-50 flex flex-col gap-2">
            <For each=move || toasts.0.get() key=|t| t.id let:t>
                <div role="status" class=if t.ok {
                    "toast rounded-md bg-emerald-600 px-4 py-2 text-sm text-white shadow-lg"
                } else {
                    "toast rounded-md bg-red-600 px-4 py-2 text-sm text-white shadow-lg"
                }>{t.text}</div>
            </For>
        </div>
    }
}

/// The message to show for a failed server call.
pub fn error_text(e: &ServerFnError) -> String {
    match e {
        ServerFnError::ServerError(m) => m.clone(),
        _ => "Ward could not be reached. Please try again.".into(),
    }
}

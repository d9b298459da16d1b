//! The id of the request being served, so events and logs written deep in the domain can name
//! it without passing it through every call.
use std::future::Future;

tokio::task_local! {
    static REQUEST_ID: String;
}

/// Runs `fut` with `id` as the current request id.
pub async fn scope<F: Future>(id: String, fut: F) -> F::Output {
    REQUEST_ID.scope(id, fut).await
}

/// The current request id, if this runs inside a request.
pub fn current() -> Option<String> {
    REQUEST_ID.try_with(Clone::clone).ok()
}

/// An incoming id is kept only if it is short and plain; anything else gets a fresh one.
pub fn accept(incoming: Option<&str>) -> String {
    match incoming {
        Some(id)
            if (1..=128).contains(&id.len())
                && id
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"-_.:".contains(&b)) =>
        {
            id.to_owned()
        }
        _ => uuid::Uuid::new_v4().simple().to_string(),
    }
}

#[cfg(test)]
mod tests {
    #[tokio::test]
    async fn ids_are_scoped_and_validated() {
        assert_eq!(super::current(), None);
        let inside = super::scope("abc-1".into(), async { super::current() }).await;
        assert_eq!(inside.as_deref(), Some("abc-1"));
        assert_eq!(super::accept(Some("trace-42")), "trace-42");
        assert_eq!(super::accept(Some("x\ny")).len(), 32);
        assert_eq!(super::accept(None).len(), 32);
    }
}

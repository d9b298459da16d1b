//! The domain's error type. Internal causes are logged, never shown to the client.
use leptos::prelude::ServerFnError;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("not found")]
    NotFound,
    #[error("authentication required")]
    Unauthenticated,
    #[error("permission denied")]
    Forbidden,
    #[error("{0}")]
    Invalid(String),
    /// A problem with one input field: (field name, message).
    #[error("{1}")]
    Field(String, String),
    #[error(transparent)]
    Database(#[from] sqlx::Error),
    #[error("session store: {0}")]
    Session(#[from] tower_sessions::session::Error),
    #[error("{0}")]
    Internal(String),
    /// Too much work queued (password hashing): try again in a few seconds (HTTP 429).
    #[error("{BUSY}")]
    Busy,
}

pub const BUSY: &str = "Too many sign-in attempts right now. Try again in a few seconds.";
/// Seconds a client is told to wait after [`Error::Busy`].
pub const BUSY_RETRY_AFTER: u64 = 5;

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    pub fn internal(what: impl std::fmt::Display) -> Self {
        Self::Internal(what.to_string())
    }
}

impl Error {
    /// What the client may see. Never use `?` on an `Error` in a server fn: the blanket
    /// conversion would send the internal message; go through this instead.
    pub fn public(self) -> ServerFnError {
        match self {
            Error::NotFound => ServerFnError::new("Not found."),
            Error::Unauthenticated => ServerFnError::new("Please sign in."),
            Error::Forbidden => ServerFnError::new("You may not do this."),
            Error::Invalid(msg) | Error::Field(_, msg) => ServerFnError::new(msg),
            Error::Busy => ServerFnError::new(BUSY),
            other => {
                tracing::error!(error = %other, "internal error");
                ServerFnError::new("Something went wrong on our side. Please try again.")
            }
        }
    }
}

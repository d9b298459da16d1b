//! Stops the flow with a message.
use super::{Outcome, Stage, StageCtx};
use crate::ssr::Result;
use crate::types::flow::FieldErrors;
use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize, utoipa::ToSchema)]
pub struct Deny {
    /// What the person is told.
    #[serde(default = "default_message", alias = "message")]
    deny_message: String,
}

impl crate::ssr::typed::Settings for Deny {
    fn check(&self) -> FieldErrors {
        super::text_error("deny_message", &self.deny_message, 1000)
    }
}

fn default_message() -> String {
    "Access denied.".into()
}

#[async_trait::async_trait]
impl Stage for Deny {
    async fn challenge(&self, _ctx: &mut StageCtx<'_>) -> Result<Outcome> {
        Ok(Outcome::Deny(self.deny_message.clone()))
    }
}

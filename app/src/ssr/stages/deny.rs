//! Stops the flow with a message.
use super::{Outcome, Stage, StageCtx};
use crate::ssr::Result;
use serde::Deserialize;

#[derive(Deserialize)]
pub struct Deny {
    #[serde(default = "default_message")]
    message: String,
}

fn default_message() -> String {
    "Access denied.".into()
}

#[async_trait::async_trait]
impl Stage for Deny {
    async fn challenge(&self, _ctx: &mut StageCtx<'_>) -> Result<Outcome> {
        Ok(Outcome::Deny(self.message.clone()))
    }
}

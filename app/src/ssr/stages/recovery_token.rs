//! Identifies the user by a single-use recovery token from the link (`?token=`).
use super::{Outcome, Stage, StageCtx};
use crate::ssr::Result;
use crate::ssr::tokens::{self, Intent};
use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize, utoipa::ToSchema)]
pub struct RecoveryToken {}

impl crate::ssr::typed::Settings for RecoveryToken {}

#[async_trait::async_trait]
impl Stage for RecoveryToken {
    async fn challenge(&self, ctx: &mut StageCtx<'_>) -> Result<Outcome> {
        let key = ctx
            .flow
            .query
            .get("token")
            .map(|t| t.trim())
            .unwrap_or_default();
        let user = if key.is_empty() || key.len() > 256 {
            None
        } else {
            tokens::consume(ctx.pool, Intent::Recovery, key).await?
        };
        match user {
            Some(id) => {
                ctx.flow.pending_user = Some(id);
                Ok(Outcome::Next)
            }
            None => Ok(Outcome::Deny(
                "This recovery link is invalid, has expired or was already used.".into(),
            )),
        }
    }
}

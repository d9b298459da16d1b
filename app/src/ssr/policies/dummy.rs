//! Passes or fails as set, after a random wait: for testing bindings and timeouts.
use super::{Policy, Request, Verdict};
use crate::ssr::typed::{Settings, field_error};
use crate::types::flow::FieldErrors;
use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize, utoipa::ToSchema)]
pub struct Dummy {
    /// What the policy answers.
    #[serde(default)]
    result: bool,
    /// The wait before answering is random between these, in seconds.
    #[serde(default = "default_min")]
    wait_min: u32,
    #[serde(default = "default_max")]
    wait_max: u32,
}

fn default_min() -> u32 {
    5
}

fn default_max() -> u32 {
    30
}

impl Settings for Dummy {
    fn check(&self) -> FieldErrors {
        if self.wait_max > 3600 {
            return field_error("wait_max", "At most 3600 seconds.");
        }
        if self.wait_min > self.wait_max {
            return field_error("wait_max", "Must be at least wait_min.");
        }
        FieldErrors::new()
    }
}

#[async_trait::async_trait]
impl Policy for Dummy {
    async fn evaluate(&self, _: &sqlx::PgPool, _: &Request) -> Result<Verdict, String> {
        let wait = rand::Rng::gen_range(&mut rand::thread_rng(), self.wait_min..=self.wait_max);
        if wait > 0 {
            tokio::time::sleep(std::time::Duration::from_secs(wait.into())).await;
        }
        Ok(Verdict {
            passing: self.result,
            ..Verdict::default()
        })
    }
}

//! `/api/v3/stages/`: `all/` lists and deletes stages of every type; each type has its own
//! path (`identification/`, `prompt/stages/`, …) for CRUD with that type's settings. One set
//! of functions serves every type; [`typed_type!`] only gives each type its documented paths.
use super::Created;
use super::auth::Admin;
use super::error::ApiResult;
use super::page::{ListParams, Paginated};
use super::typed::{Family, merged_settings, take_name};
use app::ssr::AppState;
use app::ssr::audit::Actor;
use app::ssr::stages::edit::{self, StageRow};
use app::ssr::stages::{self, Kind};
use app::types::directory::Saved;
use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use sqlx::{PgConnection, PgPool};
use utoipa::ToSchema;
use uuid::Uuid;

/// A stage: its pk, name and type, then the settings of its type.
#[derive(Debug, Serialize, ToSchema)]
pub struct Stage {
    pub pk: String,
    pub name: String,
    pub component: String,
    pub verbose_name: String,
    pub meta_model_name: String,
    /// Slugs of the flows it is bound to.
    pub flow_set: Vec<String>,
    #[serde(flatten)]
    #[schema(value_type = Object)]
    pub settings: Map<String, Value>,
}

#[async_trait::async_trait]
impl Family for StageRow {
    type Impl = dyn app::ssr::stages::Stage;
    type Out = Stage;
    const READ_ONLY: &'static [&'static str] = &[
        "pk",
        "component",
        "verbose_name",
        "verbose_name_plural",
        "meta_model_name",
        "flow_set",
    ];

    fn by_kind(kind: &str) -> Option<&'static Kind> {
        stages::by_kind(kind)
    }

    fn id(&self) -> Uuid {
        self.id
    }

    fn name(&self) -> &str {
        &self.name
    }

    fn kind(&self) -> &'static Kind {
        self.kind
    }

    fn out(self) -> Stage {
        Stage {
            pk: self.id.to_string(),
            name: self.name,
            component: self.kind.component(),
            verbose_name: self.kind.verbose_name.into(),
            meta_model_name: self.kind.model.into(),
            flow_set: self.flows,
            settings: match self.config {
                Value::Object(m) => m,
                _ => Map::new(),
            },
        }
    }

    async fn list(pool: &PgPool, kind: Option<&'static Kind>) -> app::ssr::Result<Vec<Self>> {
        edit::list(pool, kind).await
    }

    async fn get(pool: &PgPool, id: Uuid) -> app::ssr::Result<Option<Self>> {
        edit::get(pool, id).await
    }

    async fn save(
        tx: &mut PgConnection,
        actor: &Actor<'_>,
        _secret_key: &str,
        kind: &'static Kind,
        mut body: Map<String, Value>,
        current: Option<&Self>,
    ) -> ApiResult<Saved<Uuid>> {
        let id = body
            .remove("pk")
            .and_then(|v| v.as_str().and_then(|s| s.parse().ok()));
        let name = take_name(&mut body, current.map(|c| c.name.as_str()))?;
        let settings = merged_settings(body, current.map(|c| &c.config));
        let id = current.map(|c| c.id).or(id);
        Ok(edit::save_in(tx, actor, id, kind, &name, &settings).await?)
    }

    async fn delete(tx: &mut PgConnection, actor: &Actor<'_>, id: Uuid) -> app::ssr::Result<()> {
        edit::delete_in(tx, actor, id).await
    }
}

typed_all!(
    "stages",
    "stage_uuid",
    StageRow,
    Stage,
    "/stages/all/",
    "/stages/all/{stage_uuid}/"
);

use app::ssr::stages::{
    authenticator_email::AuthenticatorEmail, authenticator_static::AuthenticatorStatic,
    authenticator_totp::AuthenticatorTotp, authenticator_validate::AuthenticatorValidate,
    authenticator_webauthn::AuthenticatorWebauthn, deny::Deny, identification::Identification,
    password::Password, prompt::Prompt, recovery_token::RecoveryToken, user_login::UserLogin,
    user_logout::UserLogout, user_write::UserWrite,
};

typed_type!(
    "stages",
    "stage_uuid",
    StageRow,
    Stage,
    identification,
    "identification",
    "/stages/identification/",
    "/stages/identification/{stage_uuid}/",
    Identification,
    IdentificationStageRequest
);
typed_type!(
    "stages",
    "stage_uuid",
    StageRow,
    Stage,
    password,
    "password",
    "/stages/password/",
    "/stages/password/{stage_uuid}/",
    Password,
    PasswordStageRequest
);
typed_type!(
    "stages",
    "stage_uuid",
    StageRow,
    Stage,
    prompt,
    "prompt",
    "/stages/prompt/stages/",
    "/stages/prompt/stages/{stage_uuid}/",
    Prompt,
    PromptStageRequest
);
typed_type!(
    "stages",
    "stage_uuid",
    StageRow,
    Stage,
    user_write,
    "user_write",
    "/stages/user_write/",
    "/stages/user_write/{stage_uuid}/",
    UserWrite,
    UserWriteStageRequest
);
typed_type!(
    "stages",
    "stage_uuid",
    StageRow,
    Stage,
    user_login,
    "user_login",
    "/stages/user_login/",
    "/stages/user_login/{stage_uuid}/",
    UserLogin,
    UserLoginStageRequest
);
typed_type!(
    "stages",
    "stage_uuid",
    StageRow,
    Stage,
    user_logout,
    "user_logout",
    "/stages/user_logout/",
    "/stages/user_logout/{stage_uuid}/",
    UserLogout,
    UserLogoutStageRequest
);
typed_type!(
    "stages",
    "stage_uuid",
    StageRow,
    Stage,
    deny,
    "deny",
    "/stages/deny/",
    "/stages/deny/{stage_uuid}/",
    Deny,
    DenyStageRequest
);
typed_type!(
    "stages",
    "stage_uuid",
    StageRow,
    Stage,
    recovery_token,
    "recovery_token",
    "/stages/recovery_token/",
    "/stages/recovery_token/{stage_uuid}/",
    RecoveryToken,
    RecoveryTokenStageRequest
);
typed_type!(
    "stages",
    "stage_uuid",
    StageRow,
    Stage,
    authenticator_email,
    "authenticator_email",
    "/stages/authenticator/email/",
    "/stages/authenticator/email/{stage_uuid}/",
    AuthenticatorEmail,
    AuthenticatorEmailStageRequest
);
typed_type!(
    "stages",
    "stage_uuid",
    StageRow,
    Stage,
    authenticator_static,
    "authenticator_static",
    "/stages/authenticator/static/",
    "/stages/authenticator/static/{stage_uuid}/",
    AuthenticatorStatic,
    AuthenticatorStaticStageRequest
);
typed_type!(
    "stages",
    "stage_uuid",
    StageRow,
    Stage,
    authenticator_totp,
    "authenticator_totp",
    "/stages/authenticator/totp/",
    "/stages/authenticator/totp/{stage_uuid}/",
    AuthenticatorTotp,
    AuthenticatorTOTPStageRequest
);
typed_type!(
    "stages",
    "stage_uuid",
    StageRow,
    Stage,
    authenticator_validate,
    "authenticator_validate",
    "/stages/authenticator/validate/",
    "/stages/authenticator/validate/{stage_uuid}/",
    AuthenticatorValidate,
    AuthenticatorValidateStageRequest
);

typed_type!(
    "stages",
    "stage_uuid",
    StageRow,
    Stage,
    authenticator_webauthn,
    "authenticator_webauthn",
    "/stages/authenticator/webauthn/",
    "/stages/authenticator/webauthn/{stage_uuid}/",
    AuthenticatorWebauthn,
    AuthenticatorWebAuthnStageRequest
);

/// Every stage type's routes.
pub fn routes() -> axum::Router<AppState> {
    axum::Router::new()
        .merge(identification::routes())
        .merge(password::routes())
        .merge(prompt::routes())
        .merge(user_write::routes())
        .merge(user_login::routes())
        .merge(user_logout::routes())
        .merge(deny::routes())
        .merge(recovery_token::routes())
        .merge(authenticator_email::routes())
        .merge(authenticator_static::routes())
        .merge(authenticator_totp::routes())
        .merge(authenticator_validate::routes())
        .merge(authenticator_webauthn::routes())
}

/// Every stage type's paths, for the OpenAPI document.
pub fn openapi() -> utoipa::openapi::OpenApi {
    use utoipa::OpenApi;
    let mut doc = all::Doc::openapi();
    for other in [
        identification::Doc::openapi(),
        password::Doc::openapi(),
        prompt::Doc::openapi(),
        user_write::Doc::openapi(),
        user_login::Doc::openapi(),
        user_logout::Doc::openapi(),
        deny::Doc::openapi(),
        recovery_token::Doc::openapi(),
        authenticator_email::Doc::openapi(),
        authenticator_static::Doc::openapi(),
        authenticator_totp::Doc::openapi(),
        authenticator_validate::Doc::openapi(),
        authenticator_webauthn::Doc::openapi(),
    ] {
        doc.merge(other);
    }
    doc
}

//! `authentik_flows.flowstagebinding`: a stage in a flow at an order. Identified by its pk,
//! or by `target` and `order` (and `stage`, when given), as authentik's blueprints do.
use super::{Fields, Model, only, unsaved};
use crate::ssr::audit::Actor;
use crate::ssr::flows::bindings::{self, BindingForm};
use crate::ssr::{Error, Result};
use crate::types::flow::FieldErrors;
use async_trait::async_trait;
use serde_json::Value as Json;
use sqlx::PgConnection;
use uuid::Uuid;

pub struct Binding;

/// authentik's binding fields Ward accepts without effect: Ward always evaluates a binding's
/// policies as its stage comes up (authentik's re_evaluate_policies), and always shows an
/// invalid answer's errors on the same stage.
const IGNORED: [&str; 3] = [
    "evaluate_on_plan",
    "re_evaluate_policies",
    "invalid_response_action",
];

fn pk(f: &Fields, key: &str, what: &str) -> Result<Option<Uuid>> {
    match f.get(key) {
        None => Ok(None),
        Some(Json::String(s)) => Uuid::parse_str(s)
            .map(Some)
            .map_err(|_| Error::Invalid(format!("{key}: not the pk of a {what}"))),
        Some(_) => Err(Error::Invalid(format!(
            "{key}: the {what} does not exist (use !KeyOf or !Find)"
        ))),
    }
}

fn order(f: &Fields) -> Result<Option<i32>> {
    match f.get("order") {
        None => Ok(None),
        Some(v) => v
            .as_i64()
            .and_then(|n| i32::try_from(n).ok())
            .map(Some)
            .ok_or_else(|| Error::Invalid("order: a whole number".into())),
    }
}

fn merge(mut form: BindingForm, f: &Fields) -> Result<BindingForm> {
    only(
        f,
        &["pk", "target", "stage", "order", "policy_engine_mode"],
        &IGNORED,
    )?;
    if let Some(v) = pk(f, "target", "flow")? {
        form.target = v;
    }
    if let Some(v) = pk(f, "stage", "stage")? {
        form.stage = v;
    }
    if let Some(v) = order(f)? {
        form.order = v;
    }
    if let Some(v) = super::text(f, "policy_engine_mode") {
        form.policy_engine_mode = v;
    }
    Ok(form)
}

#[async_trait]
impl Model for Binding {
    async fn find(&self, tx: &mut PgConnection, identifiers: &Fields) -> Result<Option<Uuid>> {
        if let Some(id) = pk(identifiers, "pk", "binding")? {
            return Ok(bindings::get(&mut *tx, id).await?.map(|b| b.id));
        }
        let target = pk(identifiers, "target", "flow")?;
        let stage = pk(identifiers, "stage", "stage")?;
        let order = order(identifiers)?;
        if target.is_none() || (order.is_none() && stage.is_none()) {
            return Err(Error::Invalid(
                "identify the binding by pk, or by target and order (or stage)".into(),
            ));
        }
        Ok(bindings::list(&mut *tx)
            .await?
            .into_iter()
            .find(|b| {
                Some(b.form.target) == target
                    && stage.is_none_or(|s| s == b.form.stage)
                    && order.is_none_or(|o| o == b.form.order)
            })
            .map(|b| b.id))
    }

    async fn create(
        &self,
        tx: &mut PgConnection,
        actor: &Actor<'_>,
        _secret_key: &str,
        f: &Fields,
    ) -> Result<std::result::Result<Uuid, FieldErrors>> {
        let (Some(_), Some(_)) = (f.get("target"), f.get("stage")) else {
            return Err(Error::Invalid(
                "a binding needs a target (flow) and a stage".into(),
            ));
        };
        let form = merge(
            BindingForm {
                target: Uuid::nil(),
                stage: Uuid::nil(),
                order: 0,
                policy_engine_mode: "any".into(),
            },
            f,
        )?;
        Ok(unsaved(bindings::save_in(tx, actor, None, &form).await?))
    }

    async fn update(
        &self,
        tx: &mut PgConnection,
        actor: &Actor<'_>,
        _secret_key: &str,
        pk: Uuid,
        attrs: &Fields,
    ) -> Result<std::result::Result<bool, FieldErrors>> {
        let before = bindings::get(&mut *tx, pk)
            .await?
            .ok_or(Error::NotFound)?
            .form;
        let form = merge(before.clone(), attrs)?;
        if form == before {
            return Ok(Ok(false));
        }
        Ok(unsaved(bindings::save_in(tx, actor, Some(pk), &form).await?).map(|_| true))
    }

    async fn delete(&self, tx: &mut PgConnection, actor: &Actor<'_>, pk: Uuid) -> Result<()> {
        bindings::delete_in(tx, actor, pk).await
    }
}

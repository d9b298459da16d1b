//! `authentik_policies.policybinding`: a policy, group or user bound to a flow, a flow-stage
//! binding or an application. Identified by its pk, or by `target` and `order` (and the
//! policy, group or user, when given), as authentik's blueprints do.
use super::{Fields, Model, flag, only, unsaved};
use crate::ssr::audit::Actor;
use crate::ssr::policies::bindings::{self, PolicyBindingForm, Subject};
use crate::ssr::{Error, Result};
use crate::types::flow::FieldErrors;
use async_trait::async_trait;
use serde_json::Value as Json;
use sqlx::PgConnection;
use uuid::Uuid;

pub struct PolicyBinding;

const FIELDS: [&str; 10] = [
    "pk",
    "target",
    "policy",
    "group",
    "user",
    "negate",
    "enabled",
    "order",
    "timeout",
    "failure_result",
];

fn pk(f: &Fields, key: &str) -> Result<Option<Uuid>> {
    match f.get(key) {
        None | Some(Json::Null) => Ok(None),
        Some(Json::String(s)) => Uuid::parse_str(s)
            .map(Some)
            .map_err(|_| Error::Invalid(format!("{key}: not the pk of a {key}"))),
        Some(_) => Err(Error::Invalid(format!(
            "{key}: the {key} does not exist (use !KeyOf or !Find)"
        ))),
    }
}

fn number(f: &Fields, key: &str) -> Result<Option<i32>> {
    match f.get(key) {
        None => Ok(None),
        Some(v) => v
            .as_i64()
            .and_then(|n| i32::try_from(n).ok())
            .map(Some)
            .ok_or_else(|| Error::Invalid(format!("{key}: a whole number"))),
    }
}

/// The subject the fields name, if they name one; more than one is an error.
fn subject(f: &Fields) -> Result<Option<Subject>> {
    let named = [
        pk(f, "policy")?.map(Subject::Policy),
        pk(f, "group")?.map(Subject::Group),
        pk(f, "user")?.map(Subject::User),
    ];
    let mut set = named.into_iter().flatten();
    match (set.next(), set.next()) {
        (one, None) => Ok(one),
        _ => Err(Error::Invalid(
            "a binding has one of policy, group and user".into(),
        )),
    }
}

fn merge(mut form: PolicyBindingForm, f: &Fields) -> Result<PolicyBindingForm> {
    only(f, &FIELDS, &[])?;
    if let Some(v) = pk(f, "target")? {
        form.target = v;
    }
    if let Some(v) = subject(f)? {
        form.subject = v;
    }
    if let Some(v) = flag(f, "negate")? {
        form.negate = v;
    }
    if let Some(v) = flag(f, "enabled")? {
        form.enabled = v;
    }
    if let Some(v) = flag(f, "failure_result")? {
        form.failure_result = v;
    }
    if let Some(v) = number(f, "order")? {
        form.order = v;
    }
    if let Some(v) = number(f, "timeout")? {
        form.timeout = v;
    }
    Ok(form)
}

#[async_trait]
impl Model for PolicyBinding {
    async fn find(&self, tx: &mut PgConnection, identifiers: &Fields) -> Result<Option<Uuid>> {
        if let Some(id) = pk(identifiers, "pk")? {
            return Ok(bindings::get(&mut *tx, id).await?.map(|b| b.id));
        }
        let target = pk(identifiers, "target")?;
        let order = number(identifiers, "order")?;
        let subject = subject(identifiers)?;
        let Some(target) = target else {
            return Err(Error::Invalid(
                "identify the policy binding by pk, or by target and order (or policy, group or user)"
                    .into(),
            ));
        };
        if order.is_none() && subject.is_none() {
            return Err(Error::Invalid(
                "identify the policy binding by target and order, or by target and policy, group or user".into(),
            ));
        }
        Ok(bindings::list(&mut *tx)
            .await?
            .into_iter()
            .find(|b| {
                b.form.target == target
                    && order.is_none_or(|o| o == b.form.order)
                    && subject.is_none_or(|s| s == b.form.subject)
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
        let (Some(target), Some(subject)) = (pk(f, "target")?, subject(f)?) else {
            return Err(Error::Invalid(
                "a policy binding needs a target and one of policy, group and user".into(),
            ));
        };
        let form = merge(PolicyBindingForm::new(target, subject, 0), f)?;
        Ok(unsaved(bindings::save_in(tx, actor, None, &form).await?).map(|(id, _)| id))
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
        let form = merge(before, attrs)?;
        if form == before {
            return Ok(Ok(false));
        }
        Ok(
            unsaved(bindings::save_in(tx, actor, Some(pk), &form).await?)
                .map(|(_, changed)| changed),
        )
    }

    async fn delete(&self, tx: &mut PgConnection, actor: &Actor<'_>, pk: Uuid) -> Result<()> {
        bindings::delete_in(tx, actor, pk).await
    }
}

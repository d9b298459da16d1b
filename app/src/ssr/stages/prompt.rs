//! Asks for typed fields (text, username, email, password with repeat, checkbox) and validates
//! them. Passwords are hashed here, so plaintext never reaches the session.
use super::{Form, Outcome, Stage, StageCtx};
use crate::ssr::Result;
use crate::ssr::crypto::password;
use crate::ssr::policies;
use crate::types::flow::{Challenge, FieldErrors, PromptField, PromptKind};
use crate::types::validated::{Email, Username, check_new_password};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

#[derive(Serialize, Deserialize, utoipa::ToSchema)]
pub struct Prompt {
    /// The inputs, in order. A password field named `<key>_repeat` must match `<key>`.
    fields: Vec<PromptField>,
    /// Policies (pks) that must all pass with the submitted values, passwords included.
    #[serde(default)]
    #[schema(value_type = Vec<String>)]
    validation_policies: Vec<uuid::Uuid>,
}

impl crate::ssr::typed::Settings for Prompt {
    fn check(&self) -> FieldErrors {
        let mut keys = Vec::new();
        for (i, f) in self.fields.iter().enumerate() {
            let key_ok = !f.name.is_empty()
                && f.name.len() <= 100
                && f.name
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
            if !key_ok {
                return super::field_error(
                    "fields",
                    format!(
                        "Field {}: a field_key is 1 to 100 of a-z, 0-9 and _.",
                        i + 1
                    ),
                );
            }
            if keys.contains(&&f.name) {
                return super::field_error(
                    "fields",
                    format!("Field {}: the field_key {} is used twice.", i + 1, f.name),
                );
            }
            keys.push(&f.name);
            for (value, what) in [(&f.label, "label"), (&f.placeholder, "placeholder")] {
                if !super::text_error("fields", value, 200).is_empty() {
                    return super::field_error(
                        "fields",
                        format!(
                            "Field {}: the {what} is at most 200 characters, without NUL.",
                            i + 1
                        ),
                    );
                }
            }
        }
        if self.validation_policies.len() > 20 {
            return super::field_error("validation_policies", "At most 20 policies.");
        }
        if self.fields.len() > 50 {
            return super::field_error("fields", "At most 50 fields.");
        }
        FieldErrors::new()
    }
}

impl Prompt {
    fn show(&self, values: BTreeMap<String, String>, errors: FieldErrors) -> Outcome {
        Outcome::Show(
            Challenge::Prompt {
                fields: self.fields.clone(),
                values,
            },
            errors,
        )
    }

    /// Policy messages go under the first password field (or the first field): the form shows
    /// errors next to fields.
    fn policy_errors(&self, messages: Vec<String>) -> FieldErrors {
        let field = self
            .fields
            .iter()
            .find(|f| f.kind == PromptKind::Password)
            .or(self.fields.first())
            .map(|f| f.name.clone())
            .unwrap_or_default();
        let message = if messages.is_empty() {
            "The values do not meet the policy.".to_string()
        } else {
            messages.join(" ")
        };
        FieldErrors::from([(field, message)])
    }

    fn is_repeat_of<'a>(&self, field: &'a PromptField) -> Option<&'a str> {
        let base = field.name.strip_suffix("_repeat")?;
        self.fields
            .iter()
            .any(|f| f.name == base && f.kind == PromptKind::Password)
            .then_some(base)
    }
}

/// Checks one field's value; Ok(None) means "not given and not required".
fn check(field: &PromptField, raw: Option<&String>) -> Result<Option<String>, String> {
    let raw = raw.map(String::as_str).unwrap_or_default();
    if field.kind == PromptKind::Checkbox {
        let on = !raw.is_empty();
        if field.required && !on {
            return Err("Please tick this box to continue.".into());
        }
        return Ok(Some(on.to_string()));
    }
    let value = if field.kind == PromptKind::Password {
        raw
    } else {
        raw.trim()
    };
    if value.is_empty() {
        return if field.required {
            Err("This field is required.".into())
        } else {
            Ok(None)
        };
    }
    match field.kind {
        PromptKind::Username => Username::parse(value).map(|u| Some(u.as_str().to_string())),
        PromptKind::Email => Email::parse(value).map(|e| Some(e.as_str().to_string())),
        PromptKind::Password => check_new_password(value).map(|()| Some(value.to_string())),
        PromptKind::Text | PromptKind::Checkbox => {
            if value.chars().count() > 1000 {
                Err("At most 1000 characters.".into())
            } else if crate::types::validated::has_nul(value) {
                Err(crate::types::validated::NUL_REFUSED.into())
            } else {
                Ok(Some(value.to_string()))
            }
        }
    }
}

#[async_trait::async_trait]
impl Stage for Prompt {
    async fn challenge(&self, ctx: &mut StageCtx<'_>) -> Result<Outcome> {
        Ok(self.show(ctx.flow.prompt_data.clone(), FieldErrors::new()))
    }

    async fn submit(&self, ctx: &mut StageCtx<'_>, form: &Form) -> Result<Outcome> {
        let mut errors = FieldErrors::new();
        let mut values = BTreeMap::new();
        let mut passwords = BTreeMap::new();
        for field in &self.fields {
            if let Some(base) = self.is_repeat_of(field) {
                if form.get(&field.name) != form.get(base) {
                    errors.insert(field.name.clone(), "The passwords don't match.".into());
                }
                continue;
            }
            match check(field, form.get(&field.name)) {
                Ok(Some(v)) if field.kind == PromptKind::Password => {
                    passwords.insert(field.name.clone(), v);
                }
                Ok(Some(v)) => {
                    values.insert(field.name.clone(), v);
                }
                Ok(None) => {}
                Err(msg) => {
                    errors.insert(field.name.clone(), msg);
                }
            }
        }
        if !errors.is_empty() {
            return Ok(self.show(values, errors));
        }
        if !self.validation_policies.is_empty() {
            let mut typed = ctx.flow.prompt_data.clone();
            typed.extend(values.clone());
            typed.extend(passwords.clone());
            let request = policies::Request {
                user: ctx.flow.pending_user,
                values: typed,
                ..policies::Request::default()
            }
            .from_client(ctx.client);
            let verdict =
                policies::engine::evaluate_all(ctx.pool, &self.validation_policies, &request)
                    .await?;
            if !verdict.passing {
                return Ok(self.show(values, self.policy_errors(verdict.messages)));
            }
        }
        if let Some(pw) = passwords.remove("password") {
            ctx.flow.password_hash = Some(password::hash(pw).await?.0);
        }
        ctx.flow.prompt_data.extend(values);
        Ok(Outcome::Next)
    }
}

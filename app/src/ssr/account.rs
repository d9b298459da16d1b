//! Self-service: what signed-in users change on their own account.
use crate::ssr::Result;
use crate::ssr::audit::{self, Actor};
use crate::ssr::crypto::password;
use crate::ssr::events::{self, NewEvent};
use crate::ssr::settings;
use crate::ssr::throttle;
use crate::ssr::users::{self, User};
use crate::types::directory::Saved;
use crate::types::flow::FieldErrors;
use crate::types::user::{ProfileForm, ProfileRules};
use crate::types::validated::{Email, Username, check_new_password};
use serde_json::{Map, json};
use sqlx::PgPool;

/// Username, name and email, each only if the system settings let users change it; the
/// username and email are validated again and must stay unique.
pub async fn update_profile(
    pool: &PgPool,
    me: &User,
    ip: std::net::IpAddr,
    form: &ProfileForm,
) -> Result<Saved<()>> {
    let rules = settings::load(pool).await?;
    let mut errors = FieldErrors::new();
    let locked = "Your administrator does not allow changing this.";
    let username = match Username::parse(&form.username) {
        Ok(u) if u.as_str() != me.username && !rules.allow_change_username => {
            errors.insert("username".into(), locked.into());
            None
        }
        Ok(u) => Some(u),
        Err(m) => {
            errors.insert("username".into(), m);
            None
        }
    };
    let name = form.name.trim();
    if name.chars().count() > 256 {
        errors.insert("name".into(), "Names have at most 256 characters.".into());
    } else if crate::types::validated::has_nul(name) {
        errors.insert("name".into(), crate::types::validated::NUL_REFUSED.into());
    } else if name != me.name && !rules.allow_change_name {
        errors.insert("name".into(), locked.into());
    }
    let email = match Email::parse(&form.email) {
        Ok(e) if Some(e.as_str()) != me.email.as_deref() && !rules.allow_change_email => {
            errors.insert("email".into(), locked.into());
            None
        }
        Ok(e) => Some(e),
        Err(m) => {
            errors.insert("email".into(), m);
            None
        }
    };
    let (Some(username), Some(email)) = (username, email) else {
        return Ok(Saved::Invalid(errors));
    };
    if !errors.is_empty() {
        return Ok(Saved::Invalid(errors));
    }
    let mut tx = pool.begin().await?;
    let r = users::update_profile(&mut *tx, me.id, Some(&username), Some(&email), Some(name)).await;
    match r {
        Err(crate::ssr::Error::Field(f, m)) => {
            return Ok(Saved::Invalid(FieldErrors::from([(f, m)])));
        }
        Err(e) => return Err(e),
        Ok(_) => {}
    }
    let before = Map::from_iter([
        ("username".to_string(), json!(me.username)),
        ("name".to_string(), json!(me.name)),
        ("email".to_string(), json!(me.email)),
    ]);
    let after = Map::from_iter([
        ("username".to_string(), json!(username.as_str())),
        ("name".to_string(), json!(name)),
        ("email".to_string(), json!(email.as_str())),
    ]);
    let changes = audit::diff(&before, &after);
    if !changes.is_empty() {
        let actor = Actor { user: me, ip };
        audit::record(
            &mut *tx,
            &actor,
            audit::MODEL_UPDATED,
            "user",
            me.id,
            username.as_str(),
            changes,
        )
        .await?;
    }
    tx.commit().await?;
    Ok(Saved::Ok(()))
}

/// Which profile fields the signed-in user may change.
pub async fn profile_rules(pool: &PgPool) -> Result<ProfileRules> {
    let s = settings::load(pool).await?;
    Ok(ProfileRules {
        username: s.allow_change_username,
        name: s.allow_change_name,
        email: s.allow_change_email,
    })
}

/// A new password, after the current one is proven. The user's other sessions end; `keep`
/// (the browser that made the change) stays signed in.
pub async fn change_password(
    pool: &PgPool,
    me: &User,
    ip: std::net::IpAddr,
    keep: Option<uuid::Uuid>,
    current: String,
    new: String,
    repeat: &str,
) -> Result<Saved<()>> {
    let stored = users::password_hash(pool, me.id).await?;
    let attempt = throttle::Attempt {
        username: &me.username,
        ip,
    };
    let verify = async { Ok(current.len() <= 1024 && password::verify(current, stored).await?) };
    let (message, reason) = match throttle::check(pool, attempt, verify).await? {
        throttle::Verdict::Valid => (None, ""),
        throttle::Verdict::Invalid => (
            Some("This is not your current password.".to_string()),
            "wrong current password when changing the password",
        ),
        throttle::Verdict::Wait(seconds) => (
            Some(throttle::wait_message(seconds)),
            "throttled while changing the password",
        ),
    };
    if let Some(message) = message {
        events::record(
            pool,
            NewEvent {
                action: events::action::LOGIN_FAILED,
                user: Some((me.id, &me.username)),
                client_ip: Some(ip),
                context: json!({ "reason": reason }),
            },
        )
        .await?;
        return Ok(Saved::Invalid(FieldErrors::from([(
            "current".into(),
            message,
        )])));
    }
    if let Err(m) = check_new_password(&new) {
        return Ok(Saved::Invalid(FieldErrors::from([("new".into(), m)])));
    }
    if new != repeat {
        return Ok(Saved::Invalid(FieldErrors::from([(
            "repeat".into(),
            "The passwords don't match.".into(),
        )])));
    }
    let hash = password::hash(new).await?;
    let mut tx = pool.begin().await?;
    let actor = Actor { user: me, ip };
    users::set_password(&mut tx, &actor, me.id, hash, keep).await?;
    events::record(
        &mut *tx,
        NewEvent {
            action: events::action::PASSWORD_SET,
            user: Some((me.id, &me.username)),
            client_ip: Some(ip),
            context: json!({ "by": "self" }),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(Saved::Ok(()))
}

/// The avatar the settings allow: none (the default, so no third-party request is made),
/// initials, or Gravatar's image for the SHA-256 of the normalised email.
pub fn avatar(mode: &str, email: &str) -> crate::types::user::Avatar {
    use crate::types::user::Avatar;
    use sha2::{Digest, Sha256};
    match mode {
        "initials" => Avatar::Initials,
        "gravatar" if !email.is_empty() => {
            let hash = hex::encode(Sha256::digest(email.trim().to_lowercase().as_bytes()));
            Avatar::Image(format!(
                "https://www.gravatar.com/avatar/{hash}?s=64&d=identicon"
            ))
        }
        _ => Avatar::None,
    }
}

/// `/if/flow/<slug>/` for a brand's flow, or the default one when the brand sets none.
pub fn flow_url(slug: &str, default: &str) -> String {
    let slug = if slug.is_empty() { default } else { slug };
    format!("/if/flow/{slug}/")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::user::Avatar;

    #[test]
    fn avatars_follow_the_setting() {
        assert_eq!(avatar("none", "a@example.com"), Avatar::None);
        assert_eq!(avatar("initials", "a@example.com"), Avatar::Initials);
        // Gravatar takes the SHA-256 of the trimmed, lower-cased address.
        assert_eq!(
            avatar("gravatar", " A@Example.com "),
            Avatar::Image(
                "https://www.gravatar.com/avatar/08168cd80dfd534ab0f10af10f1303fe00af2d43ab5c1432360d137f8197e17a?s=64&d=identicon".into()
            )
        );
        assert_eq!(avatar("gravatar", ""), Avatar::None);
        assert_eq!(
            flow_url("", "default-invalidation-flow"),
            "/if/flow/default-invalidation-flow/"
        );
        assert_eq!(
            flow_url("bye", "default-invalidation-flow"),
            "/if/flow/bye/"
        );
    }
}

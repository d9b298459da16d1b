//! authentik's device models (`authentik_stages_authenticator_totp.totpdevice`, …): found by
//! pk or by `user` and `name`; a blueprint may rename one or remove it (`state: absent`, e.g.
//! to revoke a lost key). Creating one is refused: only a setup stage, with the device in the
//! person's hands, can show that a device works.
use super::{Fields, Model, only, text};
use crate::ssr::audit::Actor;
use crate::ssr::mfa::{device_edit, devices};
use crate::ssr::typed::field_error;
use crate::ssr::{Error, Result};
use crate::types::flow::FieldErrors;
use async_trait::async_trait;
use sqlx::PgConnection;
use uuid::Uuid;

/// The devices of one class (`totp`, `static`, `webauthn`, `email`).
pub struct Device(pub &'static str);

const FIELDS: [&str; 3] = ["pk", "user", "name"];
/// authentik's fields a blueprint may carry that Ward sets itself.
const IGNORED: [&str; 2] = ["confirmed", "created"];

fn uuid(raw: &str, what: &str) -> Result<Uuid> {
    Uuid::parse_str(raw).map_err(|_| Error::Invalid(format!("{what}: not the pk of a {what}")))
}

impl Device {
    async fn owner(&self, tx: &mut PgConnection, pk: Uuid) -> Result<(Uuid, String)> {
        let row = sqlx::query!(
            r#"select u.id, u.username as "username!: String"
                 from mfa_devices d join users u on u.id = d.user_id
                where d.id = $1 and d.class = $2"#,
            pk,
            self.0
        )
        .fetch_optional(&mut *tx)
        .await?
        .ok_or(Error::NotFound)?;
        Ok((row.id, row.username))
    }
}

#[async_trait]
impl Model for Device {
    async fn find(&self, tx: &mut PgConnection, identifiers: &Fields) -> Result<Option<Uuid>> {
        only(identifiers, &FIELDS, &[])?;
        let pk = text(identifiers, "pk")
            .map(|p| uuid(&p, "device"))
            .transpose()?;
        let user = text(identifiers, "user")
            .map(|u| uuid(&u, "user"))
            .transpose()?;
        let name = text(identifiers, "name");
        if pk.is_none() && (user.is_none() || name.is_none()) {
            return Err(Error::Invalid(
                "identify the device by pk, or by user and name".into(),
            ));
        }
        Ok(sqlx::query_scalar!(
            "select id from mfa_devices
              where class = $1 and ($2::uuid is null or id = $2)
                and ($3::uuid is null or user_id = $3) and ($4::text is null or name = $4)
              order by created, id limit 1",
            self.0,
            pk,
            user,
            name
        )
        .fetch_optional(&mut *tx)
        .await?)
    }

    async fn create(
        &self,
        _tx: &mut PgConnection,
        _actor: &Actor<'_>,
        _secret_key: &str,
        _fields: &Fields,
    ) -> Result<std::result::Result<Uuid, FieldErrors>> {
        Ok(Err(field_error(
            "name",
            "A device is enrolled by its owner through a setup flow; a blueprint can rename or remove one.",
        )))
    }

    async fn update(
        &self,
        tx: &mut PgConnection,
        actor: &Actor<'_>,
        _secret_key: &str,
        pk: Uuid,
        attrs: &Fields,
    ) -> Result<std::result::Result<bool, FieldErrors>> {
        only(attrs, &FIELDS, &IGNORED)?;
        let (owner, _) = self.owner(tx, pk).await?;
        if let Some(user) = text(attrs, "user")
            && uuid(&user, "user")? != owner
        {
            return Ok(Err(field_error(
                "user",
                "A device stays with the person who enrolled it.",
            )));
        }
        let Some(name) = text(attrs, "name") else {
            return Ok(Ok(false));
        };
        let before = sqlx::query_scalar!("select name from mfa_devices where id = $1", pk)
            .fetch_one(&mut *tx)
            .await?;
        match device_edit::rename(tx, actor, owner, pk, &name).await? {
            Err(message) => Ok(Err(field_error("name", message))),
            Ok(_) => Ok(Ok(before != name.trim())),
        }
    }

    async fn delete(&self, tx: &mut PgConnection, actor: &Actor<'_>, pk: Uuid) -> Result<()> {
        let (owner, username) = self.owner(tx, pk).await?;
        let by = (owner != actor.user.id).then_some(actor.user.username.as_str());
        devices::remove_in(tx, (owner, &username), actor.ip, Some(pk), by).await?;
        Ok(())
    }
}

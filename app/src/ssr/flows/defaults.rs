//! The flows every installation starts with. Created at start when missing; never overwritten,
//! so an admin's changes stay.
use crate::ssr::Result;
use crate::ssr::system::ADMIN_GROUP;
use serde_json::{Value, json};
use sqlx::PgPool;
use uuid::Uuid;

struct Def {
    slug: &'static str,
    title: &'static str,
    designation: &'static str,
    setup_only: bool,
    stages: Vec<(&'static str, &'static str, Value)>,
}

fn definitions() -> Vec<Def> {
    vec![
        Def {
            slug: "initial-setup",
            title: "Welcome to Ward! Create your administrator account.",
            designation: "stage_configuration",
            setup_only: true,
            stages: vec![
                (
                    "initial-setup-prompt",
                    "prompt",
                    json!({ "fields": [
                        { "name": "username", "label": "Username", "kind": "username", "required": true, "placeholder": "akadmin" },
                        { "name": "email", "label": "Email", "kind": "email", "required": true, "placeholder": "admin@example.com" },
                        { "name": "password", "label": "Password", "kind": "password", "required": true, "placeholder": "" },
                        { "name": "password_repeat", "label": "Password (repeat)", "kind": "password", "required": true, "placeholder": "" }
                    ]}),
                ),
                (
                    "initial-setup-write",
                    "user_write",
                    json!({ "user_group": ADMIN_GROUP, "group_is_superuser": true }),
                ),
                ("initial-setup-login", "user_login", json!({})),
            ],
        },
        Def {
            slug: "default-authentication-flow",
            title: "Welcome to Ward!",
            designation: "authentication",
            setup_only: false,
            stages: vec![
                (
                    "default-authentication-identification",
                    "identification",
                    json!({ "user_fields": ["username", "email"] }),
                ),
                ("default-authentication-password", "password", json!({})),
                ("default-authentication-login", "user_login", json!({})),
            ],
        },
        Def {
            slug: "default-invalidation-flow",
            title: "Signing out",
            designation: "invalidation",
            setup_only: false,
            stages: vec![("default-invalidation-logout", "user_logout", json!({}))],
        },
        Def {
            slug: "recovery",
            title: "Account recovery",
            designation: "recovery",
            setup_only: false,
            stages: vec![
                ("default-recovery-token", "recovery_token", json!({})),
                ("default-recovery-login", "user_login", json!({})),
            ],
        },
    ]
}

pub async fn ensure(pool: &PgPool) -> Result<()> {
    for def in definitions() {
        let mut tx = pool.begin().await?;
        let flow_id = sqlx::query_scalar!(
            r#"insert into flows (id, slug, title, designation, setup_only) values ($1, $2, $3, $4, $5)
               on conflict (slug) do nothing returning id"#,
            Uuid::new_v4(),
            def.slug,
            def.title,
            def.designation,
            def.setup_only
        )
        .fetch_optional(&mut *tx)
        .await?;
        let Some(flow_id) = flow_id else { continue };
        for (position, (name, kind, config)) in def.stages.into_iter().enumerate() {
            let stage_id = sqlx::query_scalar!(
                r#"insert into stages (id, name, kind, config) values ($1, $2, $3, $4)
                   on conflict (name) do update set name = excluded.name returning id"#,
                Uuid::new_v4(),
                name,
                kind,
                config
            )
            .fetch_one(&mut *tx)
            .await?;
            sqlx::query!(
                "insert into flow_stage_bindings (id, flow_id, stage_id, position) values ($1, $2, $3, $4)",
                Uuid::new_v4(),
                flow_id,
                stage_id,
                (position as i32) * 10
            )
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
    }
    Ok(())
}

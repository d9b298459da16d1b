//! `authentik_core.application` entries in blueprints: create, idempotence, update, absence,
//! a refused provider, and the export applied to a fresh instance.
use crate::helpers::{TestApp, spawn_api, spawn_app};
use app::ssr::audit::Actor;
use app::ssr::blueprints::{apply::Options, apply_text, export};
use app::ssr::users;

const APPS: &str = r#"
version: 1
metadata:
  name: apps
entries:
  - model: authentik_core.application
    identifiers: { slug: grafana }
    attrs:
      name: Grafana
      group: Monitoring
      provider: null
      meta_launch_url: https://grafana.example.com/
      meta_description: Dashboards
      meta_publisher: Grafana Labs
      policy_engine_mode: all
      open_in_new_tab: true
  - model: authentik_core.application
    identifiers: { slug: wiki }
    attrs: { name: Wiki }
"#;

type Row = (String, String, String, bool, String, String, String, String);

async fn rows(app: &TestApp) -> Vec<Row> {
    sqlx::query_as(
        "select slug, name, group_name, open_in_new_tab, meta_launch_url, meta_description,
                meta_publisher, policy_engine_mode from applications order by slug",
    )
    .fetch_all(&app.pool)
    .await
    .expect("applications")
}

async fn model_events(app: &TestApp) -> i64 {
    sqlx::query_scalar("select count(*) from events where action like 'model_%'")
        .fetch_one(&app.pool)
        .await
        .expect("events")
}

#[tokio::test]
async fn application_entries_apply_idempotently() {
    let app = spawn_api().await;
    let system = users::system();
    let actor = Actor {
        user: &system,
        ip: [127, 0, 0, 1].into(),
    };
    let opts = Options::default();
    let first = apply_text(&app.pool, &actor, APPS, &opts)
        .await
        .expect("applied");
    assert_eq!((first.created, first.updated, first.unchanged), (2, 0, 0));
    let stored = rows(&app).await;
    assert_eq!(
        stored[0],
        (
            "grafana".to_string(),
            "Grafana".to_string(),
            "Monitoring".to_string(),
            true,
            "https://grafana.example.com/".to_string(),
            "Dashboards".to_string(),
            "Grafana Labs".to_string(),
            "all".to_string()
        )
    );
    assert_eq!(stored[1].7, "any", "the default policy engine mode");

    let events = model_events(&app).await;
    let again = apply_text(&app.pool, &actor, APPS, &opts)
        .await
        .expect("again");
    assert_eq!((again.created, again.updated, again.unchanged), (0, 0, 2));
    assert_eq!(
        model_events(&app).await,
        events,
        "no event for an unchanged entry"
    );

    let changed = APPS.replace("meta_description: Dashboards", "meta_description: Metrics");
    let third = apply_text(&app.pool, &actor, &changed, &opts)
        .await
        .expect("updated");
    assert_eq!((third.created, third.updated, third.unchanged), (0, 1, 1));
    assert_eq!(rows(&app).await[0].5, "Metrics");
    assert_eq!(model_events(&app).await, events + 1);
    let diff: serde_json::Value = sqlx::query_scalar(
        "select context->'diff' from events where action = 'model_updated' order by created_at desc limit 1",
    )
    .fetch_one(&app.pool)
    .await
    .expect("diff");
    assert_eq!(
        diff,
        serde_json::json!({ "meta_description": { "old": "Dashboards", "new": "Metrics" } })
    );

    let gone = "version: 1\nentries:\n  - model: authentik_core.application\n    state: absent\n    identifiers: { slug: grafana }\n";
    let removed = apply_text(&app.pool, &actor, gone, &opts)
        .await
        .expect("removed");
    assert_eq!(removed.deleted, 1);
    assert_eq!(rows(&app).await.len(), 1);
    let again = apply_text(&app.pool, &actor, gone, &opts)
        .await
        .expect("absent again");
    assert_eq!((again.deleted, again.unchanged), (0, 1));
}

#[tokio::test]
async fn a_provider_or_a_bad_field_fails_the_blueprint_naming_it() {
    let app = spawn_api().await;
    let system = users::system();
    let actor = Actor {
        user: &system,
        ip: [127, 0, 0, 1].into(),
    };
    let with_provider = APPS.replace("provider: null", "provider: 42");
    let err = apply_text(&app.pool, &actor, &with_provider, &Options::default())
        .await
        .expect_err("provider refused")
        .to_string();
    assert!(
        err.starts_with("entry 1 (authentik_core.application)"),
        "{err}"
    );
    assert!(
        err.contains("provider") && err.contains("No provider has this pk"),
        "{err}"
    );
    let bad_url = APPS.replace("https://grafana.example.com/", "javascript:alert(1)");
    let err = apply_text(&app.pool, &actor, &bad_url, &Options::default())
        .await
        .expect_err("url refused")
        .to_string();
    assert!(err.contains("meta_launch_url"), "{err}");
    let bad_slug = APPS.replace("slug: wiki", "slug: Wiki Pages");
    let err = apply_text(&app.pool, &actor, &bad_slug, &Options::default())
        .await
        .expect_err("slug refused")
        .to_string();
    assert!(err.starts_with("entry 2") && err.contains("slug"), "{err}");
    assert!(rows(&app).await.is_empty(), "all or nothing");
}

/// The export holds the applications; applied to an empty instance it gives the same ones.
#[tokio::test]
async fn exported_applications_round_trip() {
    let source = spawn_api().await;
    let system = users::system();
    let actor = Actor {
        user: &system,
        ip: [127, 0, 0, 1].into(),
    };
    apply_text(&source.pool, &actor, APPS, &Options::default())
        .await
        .expect("applied");
    let exported = export::export(&source.pool).await.expect("export");
    assert!(
        exported.contains("authentik_core.application"),
        "{exported}"
    );

    let target = spawn_app().await;
    apply_text(&target.pool, &actor, &exported, &Options::default())
        .await
        .expect("applied to the target");
    assert_eq!(rows(&source).await, rows(&target).await);
    let again = apply_text(&target.pool, &actor, &exported, &Options::default())
        .await
        .expect("again");
    assert_eq!((again.created, again.updated), (0, 0));
}

/// An authentik-style blueprint: an OAuth2 provider found by name, its application pointing at
/// it with `!KeyOf`, flows and key found with `!Find`.
const OIDC: &str = r#"
version: 1
metadata:
  name: grafana-oidc
entries:
  - model: authentik_providers_oauth2.oauth2provider
    id: provider
    identifiers: { name: Grafana }
    attrs:
      authorization_flow: !Find [authentik_flows.flow, [slug, default-provider-authorization-implicit-consent]]
      invalidation_flow: !Find [authentik_flows.flow, [slug, default-provider-invalidation-flow]]
      client_id: grafana
      client_secret: grafana-secret-0123456789
      redirect_uris:
        - { matching_mode: strict, url: "https://grafana.example.com/login/generic_oauth" }
      sub_mode: user_email
  - model: authentik_core.application
    identifiers: { slug: grafana }
    attrs: { name: Grafana, provider: !KeyOf provider }
"#;

#[tokio::test]
async fn oauth2_providers_come_from_blueprints_with_their_sealed_secret() {
    let app = spawn_api().await;
    let system = users::system();
    let actor = Actor {
        user: &system,
        ip: [127, 0, 0, 1].into(),
    };
    // Without the instance key nothing can seal the secret: the entry says so.
    let err = apply_text(&app.pool, &actor, OIDC, &Options::default())
        .await
        .expect_err("needs the key")
        .to_string();
    assert!(
        err.contains("entry 1") && err.contains("instance key"),
        "{err}"
    );
    let opts = Options {
        secret_key: crate::helpers::SECRET_KEY.into(),
        ..Options::default()
    };
    let done = apply_text(&app.pool, &actor, OIDC, &opts)
        .await
        .expect("applies");
    assert_eq!(done.created, 2);
    let again = apply_text(&app.pool, &actor, OIDC, &opts)
        .await
        .expect("again");
    assert_eq!((again.created, again.updated, again.unchanged), (0, 0, 2));
    let client = app::ssr::providers::clients::by_client_id(
        &app.pool,
        crate::helpers::SECRET_KEY,
        "grafana",
    )
    .await
    .expect("lookup")
    .expect("client");
    assert_eq!(client.client_secret, "grafana-secret-0123456789");
    assert_eq!(client.application.slug, "grafana");
    assert_eq!(client.settings.sub_mode, "user_email");
    // A changed secret is an update.
    let changed = OIDC.replace("grafana-secret-0123456789", "another-secret-0123456789");
    let done = apply_text(&app.pool, &actor, &changed, &opts)
        .await
        .expect("applies");
    assert_eq!(done.updated, 1);
}

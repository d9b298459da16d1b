//! A blueprint that builds a login flow (group, users, stages, flow, bindings): applied, applied
//! again, changed, removed, broken, and exported to another instance.
use crate::helpers::{TestApp, spawn_api};
use app::ssr::audit::Actor;
use app::ssr::blueprints::{apply::Options, apply_text, export};
use app::ssr::users;

const PORTAL: &str = r#"
version: 1
metadata:
  name: portal
entries:
  - model: authentik_core.group
    id: staff
    identifiers: { name: portal-staff }
  - model: authentik_core.user
    identifiers: { username: kim }
    attrs: { name: Kim, email: kim@example.com, groups: [!KeyOf staff] }
  - model: authentik_core.user
    identifiers: { username: lee }
    attrs: { name: Lee, groups: [!KeyOf staff] }
  - model: authentik_stages_identification.identificationstage
    id: ident
    identifiers: { name: portal-identification }
    attrs: { user_fields: [email] }
  - model: authentik_stages_password.passwordstage
    id: pw
    identifiers: { name: portal-password }
  - model: authentik_stages_user_login.userloginstage
    id: login
    identifiers: { name: portal-login }
    attrs: { session_duration: "hours=8" }
  - model: authentik_flows.flow
    id: flow
    identifiers: { slug: portal-login }
    attrs:
      name: Portal login
      title: Sign in to the portal
      designation: authentication
      layout: stacked
  - model: authentik_flows.flowstagebinding
    identifiers: { target: !KeyOf flow, order: 10 }
    attrs: { stage: !KeyOf ident, evaluate_on_plan: true }
  - model: authentik_flows.flowstagebinding
    identifiers: { target: !KeyOf flow, order: 20 }
    attrs: { stage: !KeyOf pw }
  - model: authentik_flows.flowstagebinding
    identifiers: { target: !KeyOf flow, order: 30 }
    attrs: { stage: !KeyOf login }
"#;

const ENTRIES: usize = 10;

async fn count(app: &TestApp, sql: &str) -> i64 {
    sqlx::query_scalar(sql)
        .fetch_one(&app.pool)
        .await
        .expect("count")
}

async fn apply(
    app: &TestApp,
    text: &str,
) -> app::ssr::Result<app::ssr::blueprints::apply::Outcome> {
    let system = users::system();
    let actor = Actor {
        user: &system,
        ip: [127, 0, 0, 1].into(),
    };
    apply_text(&app.pool, &actor, text, &Options::default()).await
}

/// The flow's stages as `name:kind` in order.
async fn plan(app: &TestApp, slug: &str) -> Vec<String> {
    sqlx::query_scalar(
        "select s.name || ':' || s.kind from flow_stage_bindings b join flows f on f.id = b.flow_id
           join stages s on s.id = b.stage_id where f.slug = $1 order by b.position",
    )
    .bind(slug)
    .fetch_all(&app.pool)
    .await
    .expect("plan")
}

#[tokio::test]
async fn a_blueprint_builds_a_flow_people_can_sign_in_with() {
    let app = spawn_api().await;
    let first = apply(&app, PORTAL).await.expect("applied");
    assert_eq!((first.created, first.updated), (ENTRIES, 0), "{first:?}");
    assert_eq!(
        plan(&app, "portal-login").await,
        [
            "portal-identification:identification",
            "portal-password:password",
            "portal-login:user_login"
        ]
    );
    // The flow runs: Kim signs in with her email (the stage allows only email).
    let kim: uuid::Uuid = sqlx::query_scalar("select id from users where username = 'kim'")
        .fetch_one(&app.pool)
        .await
        .expect("kim");
    app.admin_api(
        reqwest::Method::POST,
        &format!("/core/users/{kim}/set_password/"),
        Some(serde_json::json!({ "password": "kims long password" })),
    )
    .await;
    let view = app.load_flow("portal-login", &[]).await;
    assert_eq!(view["Found"]["title"], "Sign in to the portal", "{view}");
    let by_name = app.submit("portal-login", &[("uid_field", "kim")]).await;
    assert_eq!(by_name["challenge"]["component"], "password", "{by_name}");
    let wrong = app
        .submit("portal-login", &[("password", "kims long password")])
        .await;
    assert_ne!(wrong["challenge"]["component"], "redirect", "{wrong}");
    app.load_flow("portal-login", &[("again", "1")]).await;
    app.submit("portal-login", &[("uid_field", "kim@example.com")])
        .await;
    let done = app
        .submit("portal-login", &[("password", "kims long password")])
        .await;
    assert_eq!(done["challenge"]["component"], "redirect", "{done}");

    // Again: nothing changes, no event is written.
    let events = count(
        &app,
        "select count(*) from events where action like 'model_%'",
    )
    .await;
    let again = apply(&app, PORTAL).await.expect("applied again");
    assert_eq!(
        (again.created, again.updated, again.unchanged),
        (0, 0, ENTRIES),
        "{again:?}"
    );
    assert_eq!(
        count(
            &app,
            "select count(*) from events where action like 'model_%'"
        )
        .await,
        events
    );

    // A changed attribute is one update.
    let changed = PORTAL
        .replace("title: Sign in to the portal", "title: Portal")
        .replace("hours=8", "hours=9");
    let third = apply(&app, &changed).await.expect("changed");
    assert_eq!((third.created, third.updated), (0, 2), "{third:?}");
    assert_eq!(
        count(&app, "select count(*) from flows where title = 'Portal'").await,
        1
    );
    assert_eq!(
        count(
            &app,
            "select count(*) from stages where config->>'session_duration' = 'hours=9'"
        )
        .await,
        1
    );

    // state: absent removes the binding, then the flow.
    let absent = r#"
version: 1
entries:
  - model: authentik_flows.flowstagebinding
    state: absent
    identifiers: { target: !Find [authentik_flows.flow, [slug, portal-login]], order: 30 }
  - model: authentik_flows.flow
    state: absent
    identifiers: { slug: portal-login }
"#;
    let removed = apply(&app, absent).await.expect("removed");
    assert_eq!(removed.deleted, 2, "{removed:?}");
    assert_eq!(
        count(
            &app,
            "select count(*) from flows where slug = 'portal-login'"
        )
        .await,
        0
    );
    assert_eq!(
        count(
            &app,
            "select count(*) from stages where name like 'portal-%'"
        )
        .await,
        3,
        "stages outlive their flow"
    );
}

#[tokio::test]
async fn a_broken_flow_entry_applies_nothing_and_is_named() {
    let app = spawn_api().await;
    let flows = count(&app, "select count(*) from flows").await;
    let stages = count(&app, "select count(*) from stages").await;
    for (broken, entry, says) in [
        (
            PORTAL.replace("user_fields: [email]", "user_fields: [upn]"),
            "entry 4 (authentik_stages_identification.identificationstage)",
            "user_fields",
        ),
        (
            PORTAL.replace("designation: authentication", "designation: login"),
            "entry 7 (authentik_flows.flow)",
            "designation",
        ),
        (
            PORTAL.replace(
                "{ stage: !KeyOf pw }",
                "{ stage: !Find [authentik_stages_password.passwordstage, [name, nope]] }",
            ),
            "entry 9 (authentik_flows.flowstagebinding)",
            "stage",
        ),
        (
            PORTAL.replace("layout: stacked", "authentication: require_outpost"),
            "entry 7 (authentik_flows.flow)",
            "authentication",
        ),
    ] {
        let err = apply(&app, &broken).await.expect_err("broken").to_string();
        assert!(err.starts_with(entry), "{err}");
        assert!(err.contains(says), "{err}");
        assert_eq!(count(&app, "select count(*) from flows").await, flows);
        assert_eq!(count(&app, "select count(*) from stages").await, stages);
        assert_eq!(
            count(
                &app,
                "select count(*) from users where username in ('kim', 'lee')"
            )
            .await,
            0
        );
    }
}

#[tokio::test]
async fn an_export_rebuilds_the_flows_on_an_empty_instance() {
    let source = spawn_api().await;
    apply(&source, PORTAL).await.expect("applied");
    let text = export::export(&source.pool).await.expect("export");
    let target = spawn_api().await;
    let outcome = apply(&target, &text).await.expect("export applies");
    assert!(outcome.created >= ENTRIES, "{outcome:?}");
    for app in [&source, &target] {
        assert_eq!(
            plan(app, "portal-login").await,
            [
                "portal-identification:identification",
                "portal-password:password",
                "portal-login:user_login"
            ]
        );
    }
    let dump = |app: &TestApp| {
        let pool = app.pool.clone();
        async move {
            sqlx::query_as::<_, (String, String, serde_json::Value)>(
                "select name, kind, config from stages order by name",
            )
            .fetch_all(&pool)
            .await
            .expect("stages")
        }
    };
    assert_eq!(dump(&source).await, dump(&target).await);
    let again = apply(&target, &text).await.expect("again");
    assert_eq!((again.created, again.updated), (0, 0), "{again:?}");
}

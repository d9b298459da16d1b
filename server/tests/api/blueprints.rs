//! Blueprints applied to a real database: create, idempotence, updates, absence, all-or-nothing.
use crate::helpers::spawn_api;
use app::ssr::audit::Actor;
use app::ssr::blueprints::{apply::Options, apply_text};
use app::ssr::users;

const TEAM: &str = r#"
version: 1
metadata:
  name: team
context:
  domain: example.com
entries:
  - model: authentik_core.group
    id: staff
    identifiers: { name: staff }
    attrs: { attributes: { floor: 3 } }
  - model: authentik_core.group
    id: ops
    identifiers: { name: ops }
    attrs: { parent: !KeyOf staff }
  - model: authentik_core.user
    identifiers: { username: ivy }
    attrs:
      name: Ivy
      email: !Format ["ivy@%s", !Context domain]
      groups: [!KeyOf ops]
  - model: authentik_core.user
    identifiers: { username: jon }
    attrs:
      groups: [!Find [authentik_core.group, [name, staff]]]
      attributes: { shell: !Env [WARD_BLUEPRINT_TEST_SHELL, /bin/sh] }
"#;

async fn count(app: &crate::helpers::TestApp, sql: &str) -> i64 {
    sqlx::query_scalar(sql)
        .fetch_one(&app.pool)
        .await
        .expect("count")
}

#[tokio::test]
async fn a_blueprint_applies_once_and_then_changes_nothing() {
    let app = spawn_api().await;
    let system = users::system();
    let actor = Actor {
        user: &system,
        ip: [127, 0, 0, 1].into(),
    };
    let opts = Options::default();
    let first = apply_text(&app.pool, &actor, TEAM, &opts)
        .await
        .expect("applied");
    assert_eq!((first.created, first.updated, first.unchanged), (4, 0, 0));
    let (parent, email, shell): (String, String, String) = sqlx::query_as(
        "select p.name, u.email::text, j.attributes->>'shell'
           from groups g join groups p on p.id = g.parent_id
           join group_members m on m.group_id = g.id join users u on u.id = m.user_id,
           users j where g.name = 'ops' and j.username = 'jon'",
    )
    .fetch_one(&app.pool)
    .await
    .expect("objects");
    assert_eq!(
        (parent.as_str(), email.as_str(), shell.as_str()),
        ("staff", "ivy@example.com", "/bin/sh")
    );

    let again = apply_text(&app.pool, &actor, TEAM, &opts)
        .await
        .expect("applied again");
    assert_eq!((again.created, again.updated, again.unchanged), (0, 0, 4));
    let events = count(
        &app,
        "select count(*) from events where action like 'model_%'",
    )
    .await;

    let changed = TEAM.replace("name: Ivy", "name: Ivy Q");
    let third = apply_text(&app.pool, &actor, &changed, &opts)
        .await
        .expect("updated");
    assert_eq!((third.created, third.updated, third.unchanged), (0, 1, 3));
    assert_eq!(
        count(&app, "select count(*) from users where name = 'Ivy Q'").await,
        1
    );
    assert_eq!(
        count(
            &app,
            "select count(*) from events where action like 'model_%'"
        )
        .await,
        events + 1
    );

    let gone = "version: 1\nentries:\n  - model: authentik_core.user\n    state: absent\n    identifiers: { username: jon }\n";
    let removed = apply_text(&app.pool, &actor, gone, &opts)
        .await
        .expect("removed");
    assert_eq!(removed.deleted, 1);
    assert_eq!(
        count(&app, "select count(*) from users where username = 'jon'").await,
        0
    );
}

#[tokio::test]
async fn a_broken_entry_applies_nothing_and_is_named() {
    let app = spawn_api().await;
    let system = users::system();
    let actor = Actor {
        user: &system,
        ip: [127, 0, 0, 1].into(),
    };
    let users_before = count(&app, "select count(*) from users").await;
    let broken = TEAM.replace("ivy@%s", "not an email %s");
    let err = apply_text(&app.pool, &actor, &broken, &Options::default())
        .await
        .expect_err("invalid email")
        .to_string();
    assert!(err.starts_with("entry 3 (authentik_core.user)"), "{err}");
    assert!(err.contains("email"), "{err}");
    assert_eq!(
        count(&app, "select count(*) from users").await,
        users_before
    );
    assert_eq!(
        count(
            &app,
            "select count(*) from groups where name in ('staff', 'ops')"
        )
        .await,
        0
    );

    let unknown = format!(
        "{TEAM}  - model: authentik_providers_saml.samlprovider\n    identifiers: {{ name: x }}\n"
    );
    let err = apply_text(&app.pool, &actor, &unknown, &Options::default())
        .await
        .expect_err("unknown model")
        .to_string();
    assert!(
        err.contains("entry 5") && err.contains("samlprovider"),
        "{err}"
    );
    let skipping = Options {
        skip_unknown: true,
        ..Options::default()
    };
    let outcome = apply_text(&app.pool, &actor, &unknown, &skipping)
        .await
        .expect("skipped");
    assert_eq!(
        outcome.skipped,
        ["entry 5 (authentik_providers_saml.samlprovider)"]
    );
    assert_eq!(outcome.created, 4);

    // A later entry pointing at a skipped one says so, rather than "no such entry".
    let refers = format!(
        "{TEAM}  - model: authentik_providers_saml.samlprovider\n    id: saml\n    identifiers: {{ name: x }}\n  - model: authentik_core.application\n    identifiers: {{ slug: wiki }}\n    attrs: {{ name: Wiki, provider: !KeyOf saml }}\n"
    );
    let err = apply_text(&app.pool, &actor, &refers, &skipping)
        .await
        .expect_err("refers to a skipped entry")
        .to_string();
    assert!(
        err.contains("entry 6")
            && err.contains("`saml` was skipped")
            && err.contains("samlprovider"),
        "{err}"
    );
}

/// `!Env` never reads Ward's key or a credential, even with a default; nothing is applied.
#[tokio::test]
async fn env_tags_refuse_secrets_and_name_the_entry() {
    let app = spawn_api().await;
    let system = users::system();
    let actor = Actor {
        user: &system,
        ip: [127, 0, 0, 1].into(),
    };
    for variable in ["WARD_SECRET_KEY", "SMTP_Password", "API_TOKEN"] {
        let leaking = TEAM.replace("WARD_BLUEPRINT_TEST_SHELL", variable);
        let err = apply_text(&app.pool, &actor, &leaking, &Options::default())
            .await
            .expect_err("a secret variable")
            .to_string();
        assert_eq!(
            err,
            format!(
                "entry 4 (authentik_core.user): !Env: `{variable}` is not readable from a \
                 blueprint: Ward refuses WARD_SECRET_KEY and variables whose name contains \
                 PASSWORD, SECRET or TOKEN."
            )
        );
    }
    assert_eq!(
        count(&app, "select count(*) from groups where name = 'staff'").await,
        0
    );
}

#[tokio::test]
async fn blueprints_in_the_data_dir_apply_at_start_and_on_change() {
    let mut cfg = crate::helpers::test_config().await;
    let dir = cfg.data_dir.join("blueprints");
    std::fs::create_dir_all(&dir).expect("dir");
    std::fs::write(dir.join("10-team.yaml"), TEAM).expect("write");
    std::fs::write(dir.join("20-broken.yaml"), "version: 1\nentries: nope\n").expect("write");
    cfg.blueprints_watch = Some(std::time::Duration::from_millis(200));
    let app = crate::helpers::spawn_with(cfg).await;
    assert_eq!(
        count(
            &app,
            "select count(*) from groups where name in ('staff', 'ops')"
        )
        .await,
        2
    );
    assert_eq!(
        count(
            &app,
            "select count(*) from users where username in ('ivy', 'jon')"
        )
        .await,
        2
    );
    let (status, error): (String, String) = sqlx::query_as(
        "select status, error from blueprint_instances where path like '%20-broken.yaml'",
    )
    .fetch_one(&app.pool)
    .await
    .expect("instance");
    assert_eq!(status, "error");
    assert!(error.contains("entries"), "{error}");

    // A changed file is applied again without a restart.
    std::fs::write(
        dir.join("10-team.yaml"),
        TEAM.replace("name: Ivy", "name: Ivy Changed"),
    )
    .expect("write");
    let mut applied = false;
    for _ in 0..100 {
        if count(
            &app,
            "select count(*) from users where name = 'Ivy Changed'",
        )
        .await
            == 1
        {
            applied = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(applied, "the changed blueprint was not applied");
}

/// What `ward blueprint export` prints applies to an empty instance and gives the same objects.
#[tokio::test]
async fn an_export_round_trips() {
    let source = spawn_api().await;
    let system = users::system();
    let actor = Actor {
        user: &system,
        ip: [127, 0, 0, 1].into(),
    };
    apply_text(&source.pool, &actor, TEAM, &Options::default())
        .await
        .expect("applied");
    let exported = app::ssr::blueprints::export::export(&source.pool)
        .await
        .expect("export");
    assert!(exported.contains("!Find"), "{exported}");

    let target = crate::helpers::spawn_app().await;
    let outcome = apply_text(&target.pool, &actor, &exported, &Options::default())
        .await
        .expect("applied");
    assert!(outcome.created >= 6, "{outcome:?}");
    let snapshot = |app: &crate::helpers::TestApp| {
        let pool = app.pool.clone();
        async move {
            sqlx::query_as::<_, (String, String, bool, serde_json::Value, Vec<String>)>(
                "select u.username::text, u.name, u.is_active, u.attributes,
                        array(select g.name::text || '<' || coalesce(p.name::text, '') from groups g
                                join group_members m on m.group_id = g.id left join groups p on p.id = g.parent_id
                               where m.user_id = u.id order by 1)
                   from users u order by 1",
            )
            .fetch_all(&pool)
            .await
            .expect("snapshot")
        }
    };
    assert_eq!(snapshot(&source).await, snapshot(&target).await);
    // And applying the export again changes nothing.
    let again = apply_text(&target.pool, &actor, &exported, &Options::default())
        .await
        .expect("again");
    assert_eq!((again.created, again.updated), (0, 0));
}

/// `ward blueprint apply FILE` and `ward blueprint export` on the same database.
#[tokio::test]
async fn the_command_line_applies_and_exports() {
    let cfg = crate::helpers::test_config().await;
    let url = cfg.database_url.clone().expect("url");
    std::fs::create_dir_all(&cfg.data_dir).expect("dir");
    let file = cfg.data_dir.join("team.yaml");
    std::fs::write(&file, TEAM).expect("write");
    let ward = |args: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_ward"))
            .args(args)
            .env("WARD_DATABASE_URL", &url)
            .env("WARD_DATA_DIR", &cfg.data_dir)
            .env("WARD_LOG_LEVEL", "warn")
            .output()
            .expect("run ward")
    };
    let out = ward(&["blueprint", "apply", file.to_str().expect("path")]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        "applied: 4 created, 0 updated, 0 deleted, 0 unchanged"
    );
    let out = ward(&["blueprint", "export"]);
    assert!(out.status.success());
    let yaml = String::from_utf8_lossy(&out.stdout);
    assert!(
        yaml.contains("username: ivy") && yaml.contains("name: ops"),
        "{yaml}"
    );

    std::fs::write(&file, TEAM.replace("ivy@%s", "broken %s")).expect("write");
    let out = ward(&["blueprint", "apply", file.to_str().expect("path")]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("entry 3 (authentik_core.user)"));
}

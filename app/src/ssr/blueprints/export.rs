//! Everything as a blueprint: policies, stages, flows and their bindings, groups (parents
//! before children), users, applications, then policy bindings, referring to each other with
//! `!Find` by name or slug, so the file applies to another instance as it is.
use crate::ssr::Result;
use crate::ssr::flows::{bindings, edit as flows};
use crate::ssr::policies::bindings::{self as policy_bindings, Subject, Target};
use crate::ssr::policies::edit as policies;
use crate::ssr::stages::edit as stages;
use serde_yaml::value::{Tag, TaggedValue};
use serde_yaml::{Mapping, Value as Yaml};
use sqlx::PgPool;

/// `!Find [model, [key, value]]`: the object on whichever instance the file is applied to.
fn find(model: &str, key: &str, value: &str) -> Yaml {
    Yaml::Tagged(Box::new(TaggedValue {
        tag: Tag::new("!Find"),
        value: Yaml::Sequence(vec![
            model.into(),
            Yaml::Sequence(vec![key.into(), value.into()]),
        ]),
    }))
}

fn find_group(name: &str) -> Yaml {
    find("authentik_core.group", "name", name)
}

fn json(v: serde_json::Value) -> Yaml {
    serde_yaml::to_value(v).unwrap_or(Yaml::Null)
}

fn entry(model: &str, identifiers: Mapping, attrs: Mapping) -> Yaml {
    let mut m = Mapping::new();
    m.insert("model".into(), model.into());
    m.insert("identifiers".into(), Yaml::Mapping(identifiers));
    m.insert("attrs".into(), Yaml::Mapping(attrs));
    Yaml::Mapping(m)
}

pub async fn export(pool: &PgPool) -> Result<String> {
    let mut entries = flow_entries(pool).await?;
    let groups = sqlx::query!(
        r#"with recursive tree(id, depth) as (
             select id, 0 from groups where parent_id is null
             union all
             select g.id, tree.depth + 1 from groups g join tree on g.parent_id = tree.id where tree.depth < 256
           )
           select g.name as "name!: String", p.name as "parent?: String", g.is_superuser, g.attributes
             from groups g join tree on tree.id = g.id left join groups p on p.id = g.parent_id
            order by tree.depth, g.name"#
    )
    .fetch_all(pool)
    .await?;
    for g in groups {
        let mut attrs = Mapping::new();
        attrs.insert("is_superuser".into(), g.is_superuser.into());
        attrs.insert(
            "parent".into(),
            g.parent.as_deref().map_or(Yaml::Null, find_group),
        );
        attrs.insert("attributes".into(), json(g.attributes));
        let mut ids = Mapping::new();
        ids.insert("name".into(), g.name.into());
        entries.push(entry("authentik_core.group", ids, attrs));
    }
    let users = sqlx::query!(
        r#"select u.username as "username!: String", u.name, u.email as "email: String", u.is_active,
                  u.attributes, u.kind,
                  array(select g.name::text from groups g join group_members m on m.group_id = g.id
                         where m.user_id = u.id order by g.name) as "groups!: Vec<String>"
             from users u order by u.username"#
    )
    .fetch_all(pool)
    .await?;
    for u in users {
        let mut attrs = Mapping::new();
        attrs.insert("name".into(), u.name.into());
        attrs.insert("email".into(), u.email.unwrap_or_default().into());
        attrs.insert("is_active".into(), u.is_active.into());
        attrs.insert("type".into(), u.kind.into());
        attrs.insert("attributes".into(), json(u.attributes));
        attrs.insert(
            "groups".into(),
            Yaml::Sequence(u.groups.iter().map(|g| find_group(g)).collect()),
        );
        let mut ids = Mapping::new();
        ids.insert("username".into(), u.username.into());
        entries.push(entry("authentik_core.user", ids, attrs));
    }
    for a in crate::ssr::applications::list(pool).await? {
        let mut attrs = Mapping::new();
        attrs.insert("name".into(), a.name.into());
        attrs.insert("group".into(), a.group.into());
        attrs.insert("open_in_new_tab".into(), a.open_in_new_tab.into());
        attrs.insert("meta_launch_url".into(), a.meta_launch_url.into());
        attrs.insert("meta_description".into(), a.meta_description.into());
        attrs.insert("meta_publisher".into(), a.meta_publisher.into());
        attrs.insert("policy_engine_mode".into(), a.policy_engine_mode.into());
        let mut ids = Mapping::new();
        ids.insert("slug".into(), a.slug.into());
        entries.push(entry("authentik_core.application", ids, attrs));
    }
    entries.extend(policy_binding_entries(pool).await?);
    let mut meta = Mapping::new();
    meta.insert("name".into(), "Ward export".into());
    let mut doc = Mapping::new();
    doc.insert("version".into(), 1.into());
    doc.insert("metadata".into(), Yaml::Mapping(meta));
    doc.insert("entries".into(), Yaml::Sequence(entries));
    serde_yaml::to_string(&Yaml::Mapping(doc)).map_err(crate::ssr::Error::internal)
}

/// Policies, stages (whose validation policies find policies by name), flows, then their
/// bindings (which find stages and flows by name and slug).
async fn flow_entries(pool: &PgPool) -> Result<Vec<Yaml>> {
    let mut entries = Vec::new();
    let all_policies = policies::list(pool, None).await?;
    for p in &all_policies {
        let mut ids = Mapping::new();
        ids.insert("name".into(), p.name.clone().into());
        let mut attrs = match json(p.config.clone()) {
            Yaml::Mapping(m) => m,
            _ => Mapping::new(),
        };
        attrs.insert("execution_logging".into(), p.execution_logging.into());
        entries.push(entry(p.kind.model, ids, attrs));
    }
    let find_policy = |pk: &str| {
        all_policies
            .iter()
            .find(|p| p.id.to_string() == pk)
            .map(|p| find(p.kind.model, "name", &p.name))
    };
    for s in stages::list(pool, None).await? {
        let mut ids = Mapping::new();
        ids.insert("name".into(), s.name.into());
        let mut attrs = match json(s.config) {
            Yaml::Mapping(m) => m,
            _ => Mapping::new(),
        };
        if let Some(Yaml::Sequence(listed)) = attrs.get_mut("validation_policies") {
            *listed = listed
                .iter()
                .filter_map(|v| v.as_str().and_then(find_policy))
                .collect();
        }
        entries.push(entry(s.kind.model, ids, attrs));
    }
    for f in flows::list(pool).await? {
        let mut ids = Mapping::new();
        ids.insert("slug".into(), f.form.slug.into());
        let mut attrs = Mapping::new();
        attrs.insert("name".into(), f.form.name.into());
        attrs.insert("title".into(), f.form.title.into());
        attrs.insert("designation".into(), f.form.designation.into());
        attrs.insert(
            "policy_engine_mode".into(),
            f.form.policy_engine_mode.into(),
        );
        attrs.insert("authentication".into(), f.form.authentication.into());
        entries.push(entry("authentik_flows.flow", ids, attrs));
    }
    for b in bindings::list(pool).await? {
        let Some(kind) = crate::ssr::stages::by_kind(&b.stage_kind) else {
            continue;
        };
        let mut ids = Mapping::new();
        ids.insert(
            "target".into(),
            find("authentik_flows.flow", "slug", &b.flow_slug),
        );
        ids.insert("order".into(), i64::from(b.form.order).into());
        let mut attrs = Mapping::new();
        attrs.insert("stage".into(), find(kind.model, "name", &b.stage_name));
        attrs.insert(
            "policy_engine_mode".into(),
            b.form.policy_engine_mode.into(),
        );
        entries.push(entry("authentik_flows.flowstagebinding", ids, attrs));
    }
    Ok(entries)
}

/// `!Find` of a flow-stage binding: its flow's slug and its order.
fn find_stage_binding(flow_slug: &str, order: i32) -> Yaml {
    Yaml::Tagged(Box::new(TaggedValue {
        tag: Tag::new("!Find"),
        value: Yaml::Sequence(vec![
            "authentik_flows.flowstagebinding".into(),
            Yaml::Sequence(vec![
                "target".into(),
                find("authentik_flows.flow", "slug", flow_slug),
            ]),
            Yaml::Sequence(vec!["order".into(), i64::from(order).into()]),
        ]),
    }))
}

/// Policy bindings, last: their targets and subjects are all exported before them.
async fn policy_binding_entries(pool: &PgPool) -> Result<Vec<Yaml>> {
    let mut entries = Vec::new();
    for b in policy_bindings::list(pool).await? {
        let target = match &b.target {
            Target::Flow { slug } => find("authentik_flows.flow", "slug", slug),
            Target::StageBinding { flow_slug, order } => find_stage_binding(flow_slug, *order),
            Target::Application { slug } => find("authentik_core.application", "slug", slug),
        };
        let subject = match (b.form.subject, &b.policy, &b.group, &b.user) {
            (Subject::Policy(_), Some((name, kind)), ..) => {
                let Some(kind) = crate::ssr::policies::by_kind(kind) else {
                    continue;
                };
                ("policy", find(kind.model, "name", name))
            }
            (Subject::Group(_), _, Some(name), _) => ("group", find_group(name)),
            (Subject::User(_), .., Some((username, _))) => {
                ("user", find("authentik_core.user", "username", username))
            }
            _ => continue,
        };
        let mut ids = Mapping::new();
        ids.insert("target".into(), target);
        ids.insert("order".into(), i64::from(b.form.order).into());
        ids.insert(subject.0.into(), subject.1);
        let mut attrs = Mapping::new();
        attrs.insert("negate".into(), b.form.negate.into());
        attrs.insert("enabled".into(), b.form.enabled.into());
        attrs.insert("timeout".into(), i64::from(b.form.timeout).into());
        attrs.insert("failure_result".into(), b.form.failure_result.into());
        entries.push(entry("authentik_policies.policybinding", ids, attrs));
    }
    Ok(entries)
}

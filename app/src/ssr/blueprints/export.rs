//! The directory as a blueprint: groups (parents before children) and users, referring to each
//! other with `!Find` by name, then applications by slug, so the file applies to another
//! instance as it is.
use crate::ssr::Result;
use crate::ssr::flows::{bindings, edit as flows};
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
    let mut meta = Mapping::new();
    meta.insert("name".into(), "Ward export".into());
    let mut doc = Mapping::new();
    doc.insert("version".into(), 1.into());
    doc.insert("metadata".into(), Yaml::Mapping(meta));
    doc.insert("entries".into(), Yaml::Sequence(entries));
    serde_yaml::to_string(&Yaml::Mapping(doc)).map_err(crate::ssr::Error::internal)
}

/// Stages, then flows, then their bindings (which find both by name and slug).
async fn flow_entries(pool: &PgPool) -> Result<Vec<Yaml>> {
    let mut entries = Vec::new();
    for s in stages::list(pool, None).await? {
        let mut ids = Mapping::new();
        ids.insert("name".into(), s.name.into());
        let attrs = match json(s.config) {
            Yaml::Mapping(m) => m,
            _ => Mapping::new(),
        };
        entries.push(entry(s.kind.model, ids, attrs));
    }
    for f in flows::list(pool).await? {
        let mut ids = Mapping::new();
        ids.insert("slug".into(), f.form.slug.into());
        let mut attrs = Mapping::new();
        attrs.insert("name".into(), f.form.name.into());
        attrs.insert("title".into(), f.form.title.into());
        attrs.insert("designation".into(), f.form.designation.into());
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
        entries.push(entry("authentik_flows.flowstagebinding", ids, attrs));
    }
    Ok(entries)
}

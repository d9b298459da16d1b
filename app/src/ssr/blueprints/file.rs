//! A blueprint file: `version: 1`, optional `metadata` and `context`, and `entries`, each a
//! model with a state, identifiers and attributes, as authentik writes them. Values stay YAML
//! until applied, because their tags (`!KeyOf`, `!Find`, ...) are evaluated then.
use crate::ssr::{Error, Result};
use serde_json::{Map, Value as Json};
use serde_yaml::{Mapping, Value as Yaml};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum State {
    /// Create, or update the attributes given (the default).
    Present,
    /// Create when missing; never update.
    Created,
    /// Create; fail when it exists.
    MustCreated,
    /// Delete when it exists.
    Absent,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Entry {
    /// 1-based position in the file, for messages.
    pub number: usize,
    /// `app.model`, e.g. `authentik_core.group`.
    pub model: String,
    pub state: State,
    /// The name other entries use in `!KeyOf`.
    pub id: Option<String>,
    pub identifiers: Mapping,
    pub attrs: Mapping,
}

impl Entry {
    /// How messages name this entry: "entry 3 (authentik_core.user)".
    pub fn label(&self) -> String {
        format!("entry {} ({})", self.number, self.model)
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Blueprint {
    pub name: String,
    pub labels: Map<String, Json>,
    /// Default context; an instance's context is merged over it.
    pub context: Map<String, Json>,
    pub entries: Vec<Entry>,
}

/// Reads a blueprint; a malformed file or entry is an error naming where it is.
pub fn parse(text: &str) -> Result<Blueprint> {
    let doc: Yaml = serde_yaml::from_str(text)
        .map_err(|e| Error::Invalid(format!("The blueprint is not valid YAML: {e}")))?;
    let Yaml::Mapping(doc) = doc else {
        return Err(Error::Invalid("A blueprint is a YAML mapping.".into()));
    };
    match doc.get("version") {
        Some(v) if v.as_u64() == Some(1) => {}
        _ => {
            return Err(Error::Invalid(
                "Only `version: 1` blueprints are known.".into(),
            ));
        }
    }
    let metadata = mapping(doc.get("metadata"), "metadata")?;
    let name = match metadata.get("name") {
        None if metadata.is_empty() => String::new(),
        Some(Yaml::String(n)) if !n.trim().is_empty() => n.trim().to_string(),
        _ => return Err(Error::Invalid("metadata needs a `name`.".into())),
    };
    let labels = plain_json(&Yaml::Mapping(mapping(
        metadata.get("labels"),
        "metadata.labels",
    )?))?;
    let context = plain_json(&Yaml::Mapping(mapping(doc.get("context"), "context")?))?;
    let Some(Yaml::Sequence(items)) = doc.get("entries") else {
        return Err(Error::Invalid(
            "A blueprint needs a list of `entries`.".into(),
        ));
    };
    let entries = items
        .iter()
        .enumerate()
        .map(|(i, item)| entry(i + 1, item))
        .collect::<Result<Vec<_>>>()?;
    Ok(Blueprint {
        name,
        labels: as_object(labels),
        context: as_object(context),
        entries,
    })
}

fn entry(number: usize, item: &Yaml) -> Result<Entry> {
    let at = |what: &str| Error::Invalid(format!("entry {number}: {what}"));
    let Yaml::Mapping(m) = item else {
        return Err(at("an entry is a mapping"));
    };
    let model = match m.get("model") {
        Some(Yaml::String(s)) if s.contains('.') => s.trim().to_string(),
        _ => return Err(at("`model` is required, as `app.model`")),
    };
    let at = |what: &str| Error::Invalid(format!("entry {number} ({model}): {what}"));
    let state = match m.get("state").map(Yaml::as_str) {
        None | Some(Some("present")) => State::Present,
        Some(Some("created")) => State::Created,
        Some(Some("must_created")) => State::MustCreated,
        Some(Some("absent")) => State::Absent,
        _ => return Err(at("`state` is present, created, must_created or absent")),
    };
    let id = match m.get("id") {
        None | Some(Yaml::Null) => None,
        Some(Yaml::String(s)) if !s.trim().is_empty() => Some(s.trim().to_string()),
        _ => return Err(at("`id` is a name")),
    };
    let identifiers =
        mapping(m.get("identifiers"), "identifiers").map_err(|e| at(&e.to_string()))?;
    let attrs = mapping(m.get("attrs"), "attrs").map_err(|e| at(&e.to_string()))?;
    if identifiers.is_empty() && attrs.is_empty() {
        return Err(at("give `identifiers` or `attrs` to find the object by"));
    }
    Ok(Entry {
        number,
        model,
        state,
        id,
        identifiers,
        attrs,
    })
}

fn mapping(v: Option<&Yaml>, what: &str) -> Result<Mapping> {
    match v {
        None | Some(Yaml::Null) => Ok(Mapping::new()),
        Some(Yaml::Mapping(m)) => Ok(m.clone()),
        Some(_) => Err(Error::Invalid(format!("`{what}` is a mapping"))),
    }
}

/// YAML without tags as JSON (metadata and the default context take no tags).
fn plain_json(v: &Yaml) -> Result<Json> {
    serde_json::to_value(v).map_err(|e| Error::Invalid(format!("unsupported value: {e}")))
}

fn as_object(v: Json) -> Map<String, Json> {
    match v {
        Json::Object(m) => m,
        _ => Map::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const EXAMPLE: &str = r#"
version: 1
metadata:
  name: example
  labels: { team: blue }
context:
  domain: example.com
entries:
  - model: authentik_core.group
    id: admins
    identifiers: { name: admins }
    attrs: { is_superuser: true }
  - model: authentik_core.user
    state: created
    identifiers: { username: alice }
    attrs:
      groups: [!KeyOf admins]
      email: !Format ["alice@%s", !Context domain]
"#;

    #[test]
    fn reads_authentiks_format() {
        let bp = parse(EXAMPLE).expect("blueprint");
        assert_eq!(bp.name, "example");
        assert_eq!(bp.labels["team"], "blue");
        assert_eq!(bp.context["domain"], "example.com");
        assert_eq!(bp.entries.len(), 2);
        assert_eq!(bp.entries[0].state, State::Present);
        assert_eq!(bp.entries[0].id.as_deref(), Some("admins"));
        assert_eq!(bp.entries[1].state, State::Created);
        assert_eq!(bp.entries[1].label(), "entry 2 (authentik_core.user)");
    }

    #[test]
    fn errors_name_the_entry() {
        let bad = "version: 1\nentries:\n  - model: authentik_core.user\n    identifiers: { username: a }\n  - model: authentik_core.group\n    state: maybe\n    identifiers: { name: g }\n";
        let err = parse(bad).expect_err("bad state").to_string();
        assert!(err.starts_with("entry 2 (authentik_core.group)"), "{err}");
        assert!(parse("version: 2\nentries: []").is_err());
        assert!(parse("entries: [").is_err());
        assert!(parse("version: 1\nentries:\n  - model: x\n").is_err());
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(128))]
        /// Any text, or blueprint-shaped pieces in any order: a blueprint or an error, no panic.
        #[test]
        fn parse_never_panics(
            any in proptest::prelude::any::<String>(),
            shaped in "(version: 1\n|version: x\n|metadata:|entries:|context:|\n  - |model: |a.b|x|state: |present|absent|id: |identifiers: |attrs: |\\{|\\}|\\[|\\]|!KeyOf |: |é|\n    |&a |\\*a |<<: ){0,32}",
        ) {
            let _ = parse(&any);
            let _ = parse(&shaped);
            let _ = parse(&format!("{EXAMPLE}{shaped}"));
        }
    }
}

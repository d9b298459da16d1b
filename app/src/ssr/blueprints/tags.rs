//! authentik's blueprint tags, evaluated into plain JSON:
//! - `!KeyOf id`: the pk of the object an earlier entry with that `id` made or found;
//! - `!Find [model, [field, value], ...]`: the pk of the object matching every pair, or null;
//! - `!Context key` / `!Context [key, default]`: a value of the blueprint's context;
//! - `!Env NAME` / `!Env [NAME, default]`: an environment variable, except `WARD_SECRET_KEY` and
//!   any whose name contains PASSWORD, SECRET or TOKEN;
//! - `!Format [format, arg, ...]`: `%s` / `%d` substitution, `%%` for a percent sign.
//!
//! Any other tag is an error naming it.
use crate::ssr::{Error, Result};
use serde_json::{Map, Number, Value as Json};
use serde_yaml::Value as Yaml;
use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;

/// Looks objects up for `!Find` (the database, when applying).
pub trait Finder: Send {
    fn find<'a>(
        &'a mut self,
        model: &'a str,
        query: &'a [(String, Json)],
    ) -> Pin<Box<dyn Future<Output = Result<Option<Json>>> + Send + 'a>>;
}

/// What tags can see.
pub struct Scope<'a> {
    pub context: &'a Map<String, Json>,
    /// `!KeyOf` targets: entry id → pk.
    pub keys: &'a HashMap<String, Json>,
    /// Ids of entries skipped as unknown models (`--skip-unknown`) → their model.
    pub skipped: &'a HashMap<String, String>,
    pub env: &'a (dyn Fn(&str) -> Option<String> + Sync),
}

type Eval<'a> = Pin<Box<dyn Future<Output = Result<Json>> + Send + 'a>>;

/// `value` with every tag replaced by what it stands for.
pub fn eval<'a>(value: &'a Yaml, scope: &'a Scope<'a>, finder: &'a mut dyn Finder) -> Eval<'a> {
    Box::pin(async move {
        Ok(match value {
            Yaml::Null => Json::Null,
            Yaml::Bool(b) => Json::Bool(*b),
            Yaml::Number(n) => number(n),
            Yaml::String(s) => Json::String(s.clone()),
            Yaml::Sequence(items) => {
                let mut out = Vec::with_capacity(items.len());
                for item in items {
                    out.push(eval(item, scope, &mut *finder).await?);
                }
                Json::Array(out)
            }
            Yaml::Mapping(m) => {
                let mut out = Map::new();
                for (k, v) in m {
                    let key = match eval(k, scope, &mut *finder).await? {
                        Json::String(s) => s,
                        other => other.to_string(),
                    };
                    out.insert(key, eval(v, scope, &mut *finder).await?);
                }
                Json::Object(out)
            }
            Yaml::Tagged(t) => {
                let name = t.tag.to_string();
                let args = eval(&t.value, scope, &mut *finder).await?;
                tag(&name, args, scope, finder).await?
            }
        })
    })
}

async fn tag(name: &str, args: Json, scope: &Scope<'_>, finder: &mut dyn Finder) -> Result<Json> {
    let bad = |what: &str| Error::Invalid(format!("{name}: {what}"));
    match name {
        "!KeyOf" => {
            let id = args
                .as_str()
                .ok_or_else(|| bad("give the id of an earlier entry"))?;
            if let Some(model) = scope.skipped.get(id) {
                return Err(bad(&format!(
                    "the entry `{id}` was skipped: Ward has no model {model}"
                )));
            }
            scope
                .keys
                .get(id)
                .cloned()
                .ok_or_else(|| bad(&format!("no earlier entry has the id `{id}`")))
        }
        "!Context" | "!Env" => {
            let (key, default) = match args {
                Json::String(k) => (k, None),
                Json::Array(mut a) if (1..=2).contains(&a.len()) => {
                    let default = if a.len() == 2 { a.pop() } else { None };
                    match a.pop() {
                        Some(Json::String(k)) => (k, default),
                        _ => return Err(bad("the first item is the name")),
                    }
                }
                _ => return Err(bad("give a name, or [name, default]")),
            };
            let found = if name == "!Env" {
                if holds_secret(&key) {
                    return Err(bad(&format!(
                        "`{key}` is not readable from a blueprint: Ward refuses WARD_SECRET_KEY and \
                         variables whose name contains PASSWORD, SECRET or TOKEN."
                    )));
                }
                (scope.env)(&key).map(Json::String)
            } else {
                scope.context.get(&key).cloned()
            };
            Ok(found.or(default).unwrap_or(Json::Null))
        }
        "!Format" => {
            let Json::Array(mut a) = args else {
                return Err(bad("give [format, arguments...]"));
            };
            if a.is_empty() {
                return Err(bad("give [format, arguments...]"));
            }
            let format = match a.remove(0) {
                Json::String(f) => f,
                _ => return Err(bad("the format is a string")),
            };
            format_args(&format, &a)
                .map(Json::String)
                .map_err(|m| bad(&m))
        }
        "!Find" => {
            let Json::Array(mut a) = args else {
                return Err(bad("give [model, [field, value], ...]"));
            };
            if a.is_empty() {
                return Err(bad("give [model, [field, value], ...]"));
            }
            let model = match a.remove(0) {
                Json::String(m) => m,
                _ => return Err(bad("the model is a string")),
            };
            let mut query = Vec::new();
            for pair in a {
                match pair {
                    Json::Array(p) if p.len() == 2 => match (&p[0], &p[1]) {
                        (Json::String(field), value) => query.push((field.clone(), value.clone())),
                        _ => return Err(bad("each query is [field, value]")),
                    },
                    _ => return Err(bad("each query is [field, value]")),
                }
            }
            Ok(finder.find(&model, &query).await?.unwrap_or(Json::Null))
        }
        other => Err(Error::Invalid(format!(
            "The tag {other} is not supported (Ward knows !KeyOf, !Find, !Context, !Env and !Format)."
        ))),
    }
}

/// Variables a blueprint may not read: whoever can drop a blueprint into the data dir (or upload
/// one) must not be able to copy Ward's key or other credentials into an object they can see.
/// (authentik allows any variable.)
fn holds_secret(name: &str) -> bool {
    let upper = name.to_ascii_uppercase();
    upper == "WARD_SECRET_KEY"
        || ["PASSWORD", "SECRET", "TOKEN"]
            .iter()
            .any(|word| upper.contains(word))
}

fn number(n: &serde_yaml::Number) -> Json {
    if let Some(i) = n.as_i64() {
        Json::Number(i.into())
    } else if let Some(u) = n.as_u64() {
        Json::Number(u.into())
    } else {
        n.as_f64()
            .and_then(Number::from_f64)
            .map_or(Json::Null, Json::Number)
    }
}

/// Python's `%` formatting for `%s` and `%d`, which is what authentik's blueprints use.
fn format_args(format: &str, args: &[Json]) -> std::result::Result<String, String> {
    let mut out = String::new();
    let mut args = args.iter();
    let mut chars = format.chars();
    while let Some(c) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('%') => out.push('%'),
            Some(spec @ ('s' | 'd')) => {
                let arg = args.next().ok_or("more %s than arguments")?;
                match (spec, arg) {
                    (_, Json::String(s)) if spec == 's' => out.push_str(s),
                    ('d', Json::Number(n)) => out.push_str(&n.to_string()),
                    ('d', _) => return Err("%d needs a number".into()),
                    (_, other) => out.push_str(&other.to_string()),
                }
            }
            _ => return Err("only %s, %d and %% are supported".into()),
        }
    }
    if args.next().is_some() {
        return Err("more arguments than %s".into());
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    struct Flows;

    impl Finder for Flows {
        fn find<'a>(
            &'a mut self,
            model: &'a str,
            query: &'a [(String, Json)],
        ) -> Pin<Box<dyn Future<Output = Result<Option<Json>>> + Send + 'a>> {
            Box::pin(async move {
                let hit = model == "authentik_flows.flow"
                    && query == [("slug".to_string(), json!("default-authentication-flow"))];
                Ok(hit.then(|| json!("flow-pk")))
            })
        }
    }

    async fn run(yaml: &str) -> Result<Json> {
        let value: Yaml = serde_yaml::from_str(yaml).expect("yaml");
        let context = json!({ "domain": "example.com" })
            .as_object()
            .cloned()
            .expect("map");
        let keys = HashMap::from([("admins".to_string(), json!("group-pk"))]);
        let env = |name: &str| (name == "WARD_TEST_ENV").then(|| "from-env".to_string());
        let scope = Scope {
            context: &context,
            keys: &keys,
            skipped: &HashMap::new(),
            env: &env,
        };
        eval(&value, &scope, &mut Flows).await
    }

    #[tokio::test]
    async fn every_tag_is_evaluated() {
        let out = run(r#"
group: !KeyOf admins
flow: !Find [authentik_flows.flow, [slug, default-authentication-flow]]
missing: !Find [authentik_flows.flow, [slug, nope]]
email: !Format ["admin@%s", !Context domain]
port: !Format ["%d%%", 42]
env: !Env WARD_TEST_ENV
fallback: !Env [WARD_UNSET_ENV, dflt]
ctx_default: !Context [nothing, 7]
"#)
        .await
        .expect("evaluated");
        assert_eq!(
            out,
            json!({
                "group": "group-pk", "flow": "flow-pk", "missing": null,
                "email": "admin@example.com", "port": "42%", "env": "from-env",
                "fallback": "dflt", "ctx_default": 7
            })
        );
    }

    #[tokio::test]
    async fn bad_tags_say_what_is_wrong() {
        let err = run("a: !KeyOf nobody")
            .await
            .expect_err("unknown id")
            .to_string();
        assert!(err.contains("`nobody`"), "{err}");
        let err = run("a: !If [true, 1, 2]")
            .await
            .expect_err("unknown tag")
            .to_string();
        assert!(err.contains("!If is not supported"), "{err}");
        assert!(run("a: !Format [\"%s %s\", x]").await.is_err());
    }

    #[tokio::test]
    async fn env_refuses_secrets_but_reads_the_rest() {
        for name in [
            "WARD_SECRET_KEY",
            "[WARD_SECRET_KEY, fallback]",
            "POSTGRES_PASSWORD",
            "db_password",
            "AWS_SECRET_ACCESS_KEY",
            "GITHUB_TOKEN",
            "[MyTokenFile, x]",
        ] {
            let err = run(&format!("a: !Env {name}"))
                .await
                .expect_err(name)
                .to_string();
            let shown = name
                .trim_start_matches('[')
                .split(',')
                .next()
                .unwrap_or(name);
            assert!(
                err.starts_with("!Env:") && err.contains(&format!("`{shown}` is not readable")),
                "{err}"
            );
        }
        assert_eq!(
            run("a: !Env WARD_TEST_ENV\nb: !Env [WARD_DOMAIN, d]\nc: !Env [PASSWD_HINT, e]")
                .await
                .expect("harmless variables"),
            json!({ "a": "from-env", "b": "d", "c": "e" })
        );
    }

    struct NoObjects;

    impl Finder for NoObjects {
        fn find<'a>(
            &'a mut self,
            _model: &'a str,
            _query: &'a [(String, Json)],
        ) -> Pin<Box<dyn Future<Output = Result<Option<Json>>> + Send + 'a>> {
            Box::pin(async { Ok(None) })
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(128))]
        /// Any YAML made of tags and arguments, or any text at all: an answer or an error,
        /// never a panic.
        #[test]
        fn tags_never_panic(
            yaml in "(!KeyOf |!Find |!Context |!Env |!Format |!If |\\[|\\]|, |%s|%d|%%|%|admins|domain|WARD_TEST_ENV|authentik_flows.flow|slug|[0-9]|\"|\n  |a: |- ){0,24}",
            any in proptest::prelude::any::<String>(),
        ) {
            let rt = tokio::runtime::Builder::new_current_thread().build().expect("runtime");
            let context = Map::new();
            let keys = HashMap::from([("admins".to_string(), json!("group-pk"))]);
            let env = |name: &str| (name == "WARD_TEST_ENV").then(|| "from-env".to_string());
            let scope = Scope { context: &context, keys: &keys, skipped: &HashMap::new(), env: &env };
            for text in [&yaml, &any] {
                if let Ok(value) = serde_yaml::from_str::<Yaml>(text) {
                    let _ = rt.block_on(eval(&value, &scope, &mut NoObjects));
                }
            }
            let _ = format_args(&any, &[json!(1), json!("x")]);
        }
    }
}

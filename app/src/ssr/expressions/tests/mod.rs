//! Fixture users, a fixture host, and helpers shared by the expression tests.
mod bounds;
mod examples;
mod fuzz;
mod run_modes;
mod speed;

use super::*;
use serde_json::{Map, Value, json};

pub fn group(pk: i64, name: &str) -> GroupView {
    GroupView {
        pk: json!(pk),
        name: name.into(),
        is_superuser: false,
        attributes: json!({ "team": name }),
    }
}

pub fn user(username: &str, groups: Vec<GroupView>) -> UserView {
    UserView {
        pk: json!(7),
        uid: format!("uid-{username}"),
        uuid: "00000000-0000-0000-0000-000000000007".into(),
        username: username.into(),
        email: format!("{username}@example.com"),
        name: username.to_uppercase(),
        is_active: true,
        is_superuser: false,
        user_type: "internal".into(),
        attributes: json!({ "level": 3 }),
        groups,
    }
}

/// Alice is in finance and Admins; Bob in nothing.
pub fn alice() -> UserView {
    user("alice", vec![group(1, "finance"), group(2, "Admins")])
}

pub fn bob() -> UserView {
    user("bob", Vec::new())
}

pub fn ctx_for(user: Option<UserView>, remote_addr: &str) -> Context {
    Context {
        user,
        http: HttpView {
            remote_addr: Some(remote_addr.into()),
            method: "GET".into(),
            path: "/if/flow/login/".into(),
            host: "auth.example.com".into(),
            headers: [("User-Agent".to_owned(), "test".to_owned())].into(),
            query: Default::default(),
        },
        ..Context::default()
    }
}

/// Finds users by username among alice and bob; knows one policy, `always`.
pub struct Fixtures;

#[async_trait::async_trait]
impl Host for Fixtures {
    async fn user_by(&self, filters: &Map<String, Value>) -> Result<Option<UserView>, String> {
        let wanted = filters.get("username").and_then(Value::as_str);
        Ok([alice(), bob()]
            .into_iter()
            .find(|u| Some(u.username.as_str()) == wanted))
    }
    async fn call_policy(&self, name: &str, _: &Map<String, Value>) -> Result<PolicyCall, String> {
        match name {
            "always" => Ok(PolicyCall {
                passing: true,
                messages: vec!["fine".into()],
            }),
            _ => Err(format!("no policy named {name:?}")),
        }
    }
}

pub async fn eval_with(source: &str, ctx: &Context) -> Result<Outcome, EvalError> {
    let compiled = compile(source).unwrap_or_else(|e| panic!("compile {source:?}: {e}"));
    Monty::default().evaluate(&compiled, ctx, &Fixtures).await
}

pub async fn eval(source: &str) -> Result<Outcome, EvalError> {
    eval_with(source, &ctx_for(Some(alice()), "10.1.2.3")).await
}

pub async fn value(source: &str) -> Value {
    match eval(source).await {
        Ok(outcome) => outcome.value,
        Err(e) => panic!("{source:?} failed: {e}"),
    }
}

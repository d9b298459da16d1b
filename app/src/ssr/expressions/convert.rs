//! Values across the sandbox boundary: the caller's JSON in, the expression's result out (bounded,
//! so a huge return value is refused instead of copied).
use super::context::{GroupView, UserView};
use super::error::EvalError;
use monty_types::{DictPairs, MontyObject};
use serde_json::{Map, Number, Value};

pub fn from_json(value: &Value) -> MontyObject {
    match value {
        Value::Null => MontyObject::None,
        Value::Bool(b) => MontyObject::Bool(*b),
        Value::Number(n) => match n.as_i64() {
            Some(i) => MontyObject::Int(i),
            None => MontyObject::Float(n.as_f64().unwrap_or(f64::NAN)),
        },
        Value::String(s) => MontyObject::String(s.clone()),
        Value::Array(items) => MontyObject::List(items.iter().map(from_json).collect()),
        Value::Object(map) => from_map(map),
    }
}

pub fn from_map(map: &Map<String, Value>) -> MontyObject {
    dict(map.iter().map(|(k, v)| (k.as_str(), from_json(v))))
}

pub fn dict<'a>(pairs: impl IntoIterator<Item = (&'a str, MontyObject)>) -> MontyObject {
    MontyObject::Dict(
        pairs
            .into_iter()
            .map(|(k, v)| (MontyObject::String(k.to_owned()), v))
            .collect::<DictPairs>(),
    )
}

pub fn string(s: &str) -> MontyObject {
    MontyObject::String(s.to_owned())
}

pub fn user(user: &UserView) -> MontyObject {
    dict([
        ("pk", from_json(&user.pk)),
        ("uid", string(&user.uid)),
        ("uuid", string(&user.uuid)),
        ("username", string(&user.username)),
        ("email", string(&user.email)),
        ("name", string(&user.name)),
        ("is_active", MontyObject::Bool(user.is_active)),
        ("is_superuser", MontyObject::Bool(user.is_superuser)),
        ("type", string(&user.user_type)),
        ("attributes", attributes(&user.attributes)),
        (
            "groups",
            MontyObject::List(user.groups.iter().map(group).collect()),
        ),
    ])
}

fn group(group: &GroupView) -> MontyObject {
    dict([
        ("pk", from_json(&group.pk)),
        ("name", string(&group.name)),
        ("is_superuser", MontyObject::Bool(group.is_superuser)),
        ("attributes", attributes(&group.attributes)),
    ])
}

/// Attributes are a dict in authentik even when unset.
fn attributes(value: &Value) -> MontyObject {
    match value {
        Value::Object(map) => from_map(map),
        _ => MontyObject::Dict(DictPairs::from(Vec::new())),
    }
}

/// Python truthiness. Instances of classes are true: the sandbox has no `__bool__`/`__len__`.
pub fn truthy(value: &MontyObject) -> bool {
    match value {
        MontyObject::None => false,
        MontyObject::Bool(b) => *b,
        MontyObject::Int(i) => *i != 0,
        // Zero always fits `Int`; a big integer is non-zero unless built oddly.
        MontyObject::BigInt(i) => i.to_string() != "0",
        MontyObject::Float(f) => *f != 0.0,
        MontyObject::String(s) => !s.is_empty(),
        MontyObject::Bytes(b) => !b.is_empty(),
        MontyObject::List(v)
        | MontyObject::Tuple(v)
        | MontyObject::Set(v)
        | MontyObject::FrozenSet(v) => !v.is_empty(),
        MontyObject::NamedTuple { values, .. } => !values.is_empty(),
        MontyObject::Dict(pairs) => !pairs.is_empty(),
        _ => true,
    }
}

/// The result as JSON, refusing anything past `budget` values or bytes of text.
pub fn to_json(value: MontyObject, budget: &mut Budget) -> Result<Value, EvalError> {
    to_json_at(value, budget, 0)
}

/// Nesting deeper than this is refused: the conversion recurses on the caller's stack.
const MAX_DEPTH: usize = 64;

fn to_json_at(value: MontyObject, budget: &mut Budget, depth: usize) -> Result<Value, EvalError> {
    if depth > MAX_DEPTH {
        return Err(EvalError::TooLarge(
            "the returned value is nested too deeply".into(),
        ));
    }
    budget.charge(1)?;
    Ok(match value {
        MontyObject::None => Value::Null,
        MontyObject::Bool(b) => Value::Bool(b),
        MontyObject::Int(i) => Value::from(i),
        MontyObject::BigInt(i) => {
            let text = i.to_string();
            budget.charge(text.len())?;
            text.parse::<Number>()
                .map_or(Value::String(text), Value::Number)
        }
        MontyObject::Float(f) => Number::from_f64(f).map_or(Value::Null, Value::Number),
        MontyObject::String(s) => {
            budget.charge(s.len())?;
            Value::String(s)
        }
        MontyObject::List(items)
        | MontyObject::Tuple(items)
        | MontyObject::Set(items)
        | MontyObject::FrozenSet(items)
        | MontyObject::NamedTuple { values: items, .. } => Value::Array(
            items
                .into_iter()
                .map(|v| to_json_at(v, budget, depth + 1))
                .collect::<Result<_, _>>()?,
        ),
        MontyObject::Dict(pairs) => {
            let mut map = Map::new();
            for (k, v) in pairs {
                let key = match k {
                    MontyObject::String(s) => s,
                    other => other.to_string(),
                };
                budget.charge(key.len())?;
                map.insert(key, to_json_at(v, budget, depth + 1)?);
            }
            Value::Object(map)
        }
        other => {
            // Dates, objects: their str(), as Django's JSON encoder would give for most.
            let text = other.to_string();
            budget.charge(text.len())?;
            Value::String(text)
        }
    })
}

/// How much result an evaluation may hand back.
pub struct Budget {
    left: usize,
}

impl Budget {
    pub fn new(bytes: usize) -> Self {
        Self { left: bytes }
    }

    /// Every value costs at least a little, so a list of a million `None`s is refused too.
    fn charge(&mut self, bytes: usize) -> Result<(), EvalError> {
        let cost = bytes.max(1);
        if cost > self.left {
            return Err(EvalError::TooLarge(
                "the returned value is too large".into(),
            ));
        }
        self.left -= cost;
        Ok(())
    }
}

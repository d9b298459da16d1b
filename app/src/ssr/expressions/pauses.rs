//! Answers to the sandbox's pauses: host functions (through the caller's [`Host`]) and the
//! clock; every other OS request (files, environment) is refused.
use super::context::{Context, Host};
use super::convert::{self, Budget};
use super::net;
use monty::{OsCall, RunProgress};
use monty_types::{
    ExcType, ExtFunctionResult, MontyDate, MontyDateTime, MontyException, MontyObject,
    OsFunctionCall, PrintWriter,
};
use serde_json::{Map, Value};

/// Prefix of the exception a refused OS request raises, to tell it from the expression's own.
pub const FORBIDDEN: &str = "ward: ";

/// A paused call's function and arguments, moved out so the paused run (not `Sync`) is not
/// borrowed across the host's await.
pub struct HostRequest {
    pub name: String,
    pub args: Vec<MontyObject>,
    pub kwargs: Vec<(MontyObject, MontyObject)>,
}

pub async fn host_call(call: HostRequest, host: &dyn Host) -> ExtFunctionResult {
    let text = |i: usize| match call.args.get(i) {
        Some(MontyObject::String(s)) => Ok(s.as_str()),
        _ => Err(type_error(format!("{}() expects a string", call.name))),
    };
    let result = match call.name.as_str() {
        "_ward_ip_address" => text(0).and_then(net::address),
        "_ward_ip_network" => {
            let strict = !matches!(call.args.get(1), Some(MontyObject::Bool(false)));
            text(0).and_then(|t| net::network(t, strict))
        }
        "_ward_user_by" => match keywords(&call.kwargs) {
            Ok(filters) => match host.user_by(&filters).await {
                Ok(found) => Ok(found.as_ref().map_or(MontyObject::None, convert::user)),
                Err(e) => Err(runtime_error(e)),
            },
            Err(e) => Err(e),
        },
        "_ward_call_policy" => {
            let kwargs = match call.args.get(1) {
                Some(MontyObject::Dict(pairs)) => {
                    keywords(&pairs.iter().cloned().collect::<Vec<_>>())
                }
                _ => Ok(Map::new()),
            };
            match (text(0), kwargs) {
                (Ok(name), Ok(kwargs)) => match host.call_policy(name, &kwargs).await {
                    Ok(r) => Ok(MontyObject::Tuple(vec![
                        MontyObject::Bool(r.passing),
                        MontyObject::List(
                            r.messages.into_iter().map(MontyObject::String).collect(),
                        ),
                    ])),
                    Err(e) => Err(runtime_error(e)),
                },
                (Err(e), _) | (_, Err(e)) => Err(e),
            }
        }
        other => Err(MontyException::new(
            ExcType::NameError,
            Some(format!("name {other:?} is not defined")),
        )),
    };
    match result {
        Ok(value) => ExtFunctionResult::Return(value),
        Err(e) => ExtFunctionResult::Error(e),
    }
}

/// Keyword arguments as a JSON object (only plain data crosses to the host).
fn keywords(pairs: &[(MontyObject, MontyObject)]) -> Result<Map<String, Value>, MontyException> {
    let mut map = Map::new();
    for (key, value) in pairs {
        let MontyObject::String(key) = key else {
            return Err(type_error("keywords must be strings".into()));
        };
        let value = convert::to_json(value.clone(), &mut Budget::new(64 * 1024))
            .map_err(|e| type_error(e.to_string()))?;
        map.insert(key.clone(), value);
    }
    Ok(map)
}

fn type_error(message: String) -> MontyException {
    MontyException::new(ExcType::TypeError, Some(message))
}

fn runtime_error(message: String) -> MontyException {
    MontyException::new(ExcType::RuntimeError, Some(message))
}

/// The clock comes from the context; everything else the OS could give is refused.
pub fn os_call(
    call: OsCall,
    ctx: &Context,
    print: PrintWriter<'_>,
) -> Result<RunProgress, MontyException> {
    let answer = match &call.function_call {
        OsFunctionCall::DateTimeNow(tz) => {
            let now = match tz {
                Some(tz) => time::UtcOffset::from_whole_seconds(tz.offset_seconds)
                    .map(|offset| ctx.now.to_offset(offset))
                    .unwrap_or(ctx.now),
                None => ctx.now,
            };
            MontyObject::DateTime(MontyDateTime {
                year: now.year(),
                month: u8::from(now.month()),
                day: now.day(),
                hour: now.hour(),
                minute: now.minute(),
                second: now.second(),
                microsecond: now.microsecond(),
                offset_seconds: tz.as_ref().map(|tz| tz.offset_seconds),
                timezone_name: tz.as_ref().and_then(|tz| tz.name.clone()),
            })
        }
        OsFunctionCall::DateToday => MontyObject::Date(MontyDate {
            year: ctx.now.year(),
            month: u8::from(ctx.now.month()),
            day: ctx.now.day(),
        }),
        other => {
            let exc = MontyException::new(
                ExcType::PermissionError,
                Some(format!("{FORBIDDEN}{}", other.name())),
            );
            return call.abort(exc, print);
        }
    };
    call.resume(answer, print)
}

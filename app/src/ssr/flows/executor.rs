//! The flow executor: plans a flow, keeps its state in the session, hands out challenges and
//! advances on answers. It knows stages only through the `Stage` trait.
use super::next::safe_next;
use super::plan;
use super::state::{FlowContext, FlowState, PlannedStage, SESSION_KEY};
use crate::ssr::client::ClientInfo;
use crate::ssr::events::{self, NewEvent, action};
use crate::ssr::stages::{self, Form, Outcome, StageCtx};
use crate::ssr::{Error, Result, policies, sessions, system};
use crate::types::flow::{Challenge, FieldErrors, FlowLoad, FlowView};
use sqlx::PgPool;
use std::collections::BTreeMap;
use tower_sessions::Session;

/// What the executor needs from the request.
pub struct Env<'a> {
    pub pool: &'a PgPool,
    /// This process's caches (flow plans).
    pub caches: &'a crate::ssr::oauth2::cache::Caches,
    pub session: &'a Session,
    pub client: &'a ClientInfo,
    /// This site's origin as the browser sees it, e.g. `https://auth.example.com`.
    pub origin: &'a str,
    /// The instance key that seals secrets at rest (MFA secrets).
    pub secret_key: &'a str,
    /// The request's cookies, and those to set on the answer.
    pub cookies: &'a Cookies,
}

/// Cookies a stage reads from the request or sets on the answer (besides the session's).
#[derive(Debug, Default)]
pub struct Cookies {
    /// The request's `Cookie` header.
    pub header: String,
    /// `Set-Cookie` values for the answer.
    pub set: std::sync::Mutex<Vec<String>>,
}

impl Cookies {
    pub fn set(&self, cookie: String) {
        if let Ok(mut set) = self.set.lock() {
            set.push(cookie);
        }
    }

    pub fn taken(&self) -> Vec<String> {
        self.set
            .lock()
            .map(|mut s| std::mem::take(&mut *s))
            .unwrap_or_default()
    }
}

/// Opens `/if/flow/<slug>/`: continues the flow in progress, or plans it anew.
pub async fn load(env: &Env<'_>, slug: &str, query: BTreeMap<String, String>) -> Result<FlowLoad> {
    // Pages are addressed by slug only (the plan also finds a flow by its id).
    let Some(plan) = plan::cached(env.caches, env.pool, slug)
        .await?
        .filter(|p| p.slug == slug)
    else {
        return Ok(FlowLoad::NotFound);
    };
    if plan.setup_only && !system::setup_open(env.pool).await? {
        return Ok(FlowLoad::NotFound);
    }
    let next = validated_next(env, query.get("next")).await?;
    let signed_in = sessions::current_user(env.pool, env.session).await?;
    if plan.designation == "authentication" && signed_in.is_some() {
        let to = next.unwrap_or_else(|| default_next(&plan.designation));
        return Ok(FlowLoad::Found(view(
            slug,
            &plan.title,
            Challenge::Redirect { to },
            FieldErrors::new(),
        )));
    }
    let user = signed_in.as_ref().map(|u| u.id);
    if let Some(refused) = refusal(env, &plan, user).await? {
        return Ok(FlowLoad::Found(refused));
    }
    // The same URL again continues the flow in progress; a different query, or a flow that
    // ended denied, starts over.
    if let Some(mut state) = current(env.session, slug).await?
        && state.context.query == query
        && state.challenge.is_some()
        && !matches!(state.challenge, Some(Challenge::AccessDenied { .. }))
    {
        if let Some(next) = next {
            state.next = next;
            env.session.insert(SESSION_KEY, &state).await?;
        }
        return Ok(FlowLoad::Found(state_view(&state)));
    }
    let mut state = FlowState {
        next: next.unwrap_or_else(|| default_next(&plan.designation)),
        slug: plan.slug.clone(),
        title: plan.title.clone(),
        setup_only: plan.setup_only,
        stages: plan.stages.clone(),
        index: 0,
        last_interactive: 0,
        context: FlowContext {
            query,
            ..FlowContext::default()
        },
        challenge: None,
        errors: FieldErrors::new(),
    };
    run(env, &mut state, None).await.map(FlowLoad::Found)
}

/// The access-denied view when the flow's `authentication` or its policies keep `user` out.
async fn refusal(
    env: &Env<'_>,
    plan: &plan::FlowPlan,
    user: Option<uuid::Uuid>,
) -> Result<Option<FlowView>> {
    let verdict = match who_may_start(env.pool, &plan.authentication, user).await? {
        Some(refused) => refused,
        None if !plan.has_policies => return Ok(None),
        None => {
            let request = policies::Request::for_user(user).from_client(env.client);
            policies::engine::evaluate(env.pool, plan.id, &plan.policy_engine_mode, &request)
                .await?
        }
    };
    if verdict.passing {
        return Ok(None);
    }
    let message = verdict
        .messages
        .first()
        .cloned()
        .unwrap_or_else(|| NOT_APPLICABLE.into());
    deny_event(env, &plan.slug, None, &message, &verdict.messages).await?;
    Ok(Some(view(
        &plan.slug,
        &plan.title,
        Challenge::AccessDenied { message },
        FieldErrors::new(),
    )))
}

/// Plans flow `slug` (or the flow with that id) for a protocol endpoint, with the context it prepared and `next` (a local
/// path) where the flow ends, and runs it up to its first challenge. The browser then opens
/// `/if/flow/<slug>/` (no query) to continue it. None when there is no such flow.
pub async fn start(
    env: &Env<'_>,
    slug: &str,
    context: FlowContext,
    next: String,
) -> Result<Option<FlowView>> {
    start_with(env, slug, context, next, Vec::new()).await
}

/// [`start`], with `extra` stages after the flow's own: the built-in stages a protocol adds to
/// the plan (authentik's in-memory stages), e.g. the device code entry.
pub async fn start_with(
    env: &Env<'_>,
    slug: &str,
    context: FlowContext,
    next: String,
    extra: Vec<PlannedStage>,
) -> Result<Option<FlowView>> {
    let Some(plan) = plan::cached(env.caches, env.pool, slug).await? else {
        return Ok(None);
    };
    let user = sessions::current_user(env.pool, env.session)
        .await?
        .map(|u| u.id);
    if let Some(refused) = refusal(env, &plan, user).await? {
        return Ok(Some(refused));
    }
    // authentik's authorization flow titles name the application: "Redirecting to %(app)s".
    let title = match &context.oauth {
        Some(auth) => plan.title.replace("%(app)s", &auth.application_name),
        None => plan.title.clone(),
    };
    let mut state = FlowState {
        next,
        slug: plan.slug.clone(),
        title,
        setup_only: plan.setup_only,
        stages: plan.stages.iter().cloned().chain(extra).collect(),
        index: 0,
        last_interactive: 0,
        context: FlowContext {
            query: BTreeMap::new(),
            ..context
        },
        challenge: None,
        errors: FieldErrors::new(),
    };
    run(env, &mut state, None).await.map(Some)
}

/// Forgets the flow in progress (a protocol that asked without showing anything).
pub async fn abandon(session: &Session) -> Result<()> {
    session.remove::<FlowState>(SESSION_KEY).await?;
    Ok(())
}

/// Takes the person's answer to the current challenge.
pub async fn submit(env: &Env<'_>, slug: &str, form: Form) -> Result<FlowView> {
    let Some(mut state) = current(env.session, slug).await? else {
        // No flow in progress (expired, or opened in another tab): start over.
        return match load(env, slug, BTreeMap::new()).await? {
            FlowLoad::Found(view) => Ok(view),
            FlowLoad::NotFound => Err(Error::NotFound),
        };
    };
    match state.challenge {
        Some(Challenge::AccessDenied { .. } | Challenge::Redirect { .. }) | None => {
            Ok(state_view(&state))
        }
        Some(_) => run(env, &mut state, Some(&form)).await,
    }
}

async fn current(session: &Session, slug: &str) -> Result<Option<FlowState>> {
    Ok(session
        .get::<FlowState>(SESSION_KEY)
        .await?
        .filter(|s| s.slug == slug))
}

/// Runs stages from the current one until one needs the person, denies, or the flow ends.
async fn run(env: &Env<'_>, state: &mut FlowState, mut form: Option<&Form>) -> Result<FlowView> {
    let mut carried = FieldErrors::new();
    // Bounded: a misconfigured flow must not spin forever.
    for _ in 0..64 {
        let Some(planned) = state.stages.get(state.index) else {
            env.session.remove::<FlowState>(SESSION_KEY).await?;
            if let Some(auth) = &state.context.oauth
                && let Some(user) = sessions::current_user(env.pool, env.session).await?
            {
                crate::ssr::oauth2::approve(env.session, auth, user.id).await?;
            }
            let to = state.next.clone();
            return Ok(view(
                &state.slug,
                &state.title,
                Challenge::Redirect { to },
                FieldErrors::new(),
            ));
        };
        if form.is_none() && !stage_applies(env, state, planned).await? {
            state.index += 1;
            continue;
        }
        let stage = stages::build(&planned.kind, &planned.config)?;
        let mut ctx = StageCtx {
            pool: env.pool,
            caches: env.caches,
            session: env.session,
            client: env.client,
            flow: &mut state.context,
            flow_slug: &state.slug,
            setup_only: state.setup_only,
            secret_key: env.secret_key,
            origin: env.origin,
            cookies: env.cookies,
        };
        let started = std::time::Instant::now();
        let (step, outcome) = match form.take() {
            Some(f) => ("submit", stage.submit(&mut ctx, f).await?),
            None => ("challenge", stage.challenge(&mut ctx).await?),
        };
        metrics::histogram!("ward_flow_stage_duration_seconds", "stage" => planned.kind.clone(), "step" => step)
            .record(started.elapsed().as_secs_f64());
        match outcome {
            Outcome::Show(challenge, mut errors) => {
                errors.append(&mut carried);
                state.last_interactive = state.index;
                state.challenge = Some(challenge);
                state.errors = errors;
                env.session.insert(SESSION_KEY, &*state).await?;
                return Ok(state_view(state));
            }
            Outcome::Next => state.index += 1,
            Outcome::Then(stages) => {
                state.index += 1;
                let at = state.index;
                state.stages.splice(at..at, stages);
            }
            Outcome::Invalid(errors) => {
                carried = errors;
                state.index = state.last_interactive;
            }
            Outcome::Leave(to) => {
                return Ok(view(
                    &state.slug,
                    &state.title,
                    Challenge::Redirect { to },
                    FieldErrors::new(),
                ));
            }
            Outcome::Deny(message) => {
                deny_event(env, &state.slug, Some(&planned.name), &message, &[]).await?;
                state.challenge = Some(Challenge::AccessDenied { message });
                state.errors.clear();
                env.session.insert(SESSION_KEY, &*state).await?;
                return Ok(state_view(state));
            }
        }
    }
    Err(Error::internal(format!(
        "flow {} did not settle",
        state.slug
    )))
}

const NOT_APPLICABLE: &str = "Flow does not apply to current user.";

/// The refusal when the flow's `authentication` rules the user out (None: they may start it).
async fn who_may_start(
    pool: &PgPool,
    authentication: &str,
    user: Option<uuid::Uuid>,
) -> Result<Option<policies::Verdict>> {
    let allowed = match (authentication, user) {
        ("require_authenticated", None) => false,
        ("require_unauthenticated", Some(_)) => false,
        ("require_superuser", None) => false,
        ("require_superuser", Some(u)) => crate::ssr::users::is_superuser(pool, u).await?,
        _ => true,
    };
    Ok((!allowed).then(|| policies::Verdict::fail(NOT_APPLICABLE)))
}

/// Whether the policies bound to the stage's binding let it run, for the flow's pending user
/// (or the signed-in one). Evaluated as the stage comes up, so earlier stages' answers count.
async fn stage_applies(env: &Env<'_>, state: &FlowState, planned: &PlannedStage) -> Result<bool> {
    let (Some(binding), true) = (planned.binding, planned.has_policies) else {
        return Ok(true);
    };
    let user = match state.context.pending_user {
        Some(u) => Some(u),
        None => sessions::current_user(env.pool, env.session)
            .await?
            .map(|u| u.id),
    };
    let request = policies::Request {
        user,
        values: state.context.prompt_data.clone(),
        ..policies::Request::default()
    }
    .from_client(env.client);
    let verdict =
        policies::engine::evaluate(env.pool, binding, &planned.policy_engine_mode, &request)
            .await?;
    Ok(verdict.passing)
}

/// Records that a flow stopped someone: at a deny stage, or by the flow's policies.
async fn deny_event(
    env: &Env<'_>,
    flow: &str,
    stage: Option<&str>,
    message: &str,
    messages: &[String],
) -> Result<()> {
    events::record(
        env.pool,
        NewEvent {
            action: action::FLOW_DENIED,
            user: None,
            client_ip: Some(env.client.ip),
            context: serde_json::json!({ "flow": flow, "stage": stage, "message": message, "policy_messages": messages }),
        },
    )
    .await
}

/// The validated `next`; a refused one is logged and dropped.
async fn validated_next(env: &Env<'_>, raw: Option<&String>) -> Result<Option<String>> {
    let Some(raw) = raw else { return Ok(None) };
    let safe = safe_next(raw, env.origin);
    if safe.is_none() {
        events::record(
            env.pool,
            NewEvent {
                action: action::SUSPICIOUS_REQUEST,
                user: None,
                client_ip: Some(env.client.ip),
                context: serde_json::json!({ "reason": "refused redirect target", "next": raw.chars().take(512).collect::<String>() }),
            },
        )
        .await?;
    }
    Ok(safe)
}

fn default_next(designation: &str) -> String {
    match designation {
        "invalidation" => "/".into(),
        _ => "/if/user/".into(),
    }
}

fn state_view(state: &FlowState) -> FlowView {
    let challenge = state.challenge.clone().unwrap_or(Challenge::AccessDenied {
        message: "Flow not started.".into(),
    });
    view(&state.slug, &state.title, challenge, state.errors.clone())
}

fn view(slug: &str, title: &str, challenge: Challenge, errors: FieldErrors) -> FlowView {
    FlowView {
        slug: slug.into(),
        title: title.into(),
        challenge,
        errors,
    }
}

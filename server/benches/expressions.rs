//! Expression evaluations per second on one core (issue 16 asks ≥ 20,000/s for the group + client
//! network policy), beside simpler bodies that show the fixed cost. No database: the user and
//! request are fixtures, and no policy here reaches the host. Run by `make bench`.
use app::ssr::expressions::{
    Context, GroupView, HttpView, Interpreter, Monty, NoHost, UserView, compile,
};
use serde_json::json;
use std::time::{Duration, Instant};

const POLICIES: &[(&str, &str)] = &[
    (
        "group_and_ip",
        r#"return ak_is_group_member(request.user, name="finance") and ip_address(request.http_request.META.get("REMOTE_ADDR")) in ip_network("10.0.0.0/8")"#,
    ),
    ("return_true", "return True"),
    (
        "group_only",
        r#"return ak_is_group_member(request.user, name="finance")"#,
    ),
    (
        "ip_only",
        r#"return ip_address(request.http_request.META.get("REMOTE_ADDR")) in ip_network("10.0.0.0/8")"#,
    ),
];

/// A shared VM's speed drifts from one second to the next: each policy gets several short
/// rounds and reports its best.
const ROUNDS: u32 = 3;
const ROUND: Duration = Duration::from_millis(700);

fn context() -> Context {
    let group = |pk: i64, name: &str| GroupView {
        pk: json!(pk),
        name: name.into(),
        is_superuser: false,
        attributes: json!({ "team": name }),
    };
    Context {
        user: Some(UserView {
            pk: json!(7),
            uid: "uid-alice".into(),
            uuid: "00000000-0000-0000-0000-000000000007".into(),
            username: "alice".into(),
            email: "alice@example.com".into(),
            name: "Alice".into(),
            is_active: true,
            is_superuser: false,
            user_type: "internal".into(),
            attributes: json!({ "level": 3 }),
            groups: vec![group(1, "finance"), group(2, "Admins")],
        }),
        http: HttpView {
            remote_addr: Some("10.1.2.3".into()),
            method: "GET".into(),
            path: "/if/flow/login/".into(),
            host: "auth.example.com".into(),
            headers: [("User-Agent".to_owned(), "bench".to_owned())].into(),
            query: Default::default(),
        },
        ..Context::default()
    }
}

async fn per_second(monty: &Monty, source: &str, ctx: &Context) -> anyhow::Result<f64> {
    let program = compile(source)?;
    let mut best = 0.0_f64;
    for _ in 0..ROUNDS {
        let started = Instant::now();
        let mut runs = 0_u32;
        while started.elapsed() < ROUND {
            // A batch between clock reads, so reading the clock costs nothing measurable.
            for _ in 0..100 {
                let outcome = monty.evaluate(&program, ctx, &NoHost).await?;
                anyhow::ensure!(outcome.truthy(), "{source} did not pass");
                runs += 1;
            }
        }
        best = best.max(f64::from(runs) / started.elapsed().as_secs_f64());
    }
    Ok(best)
}

fn main() -> anyhow::Result<()> {
    // One thread: the figure is per core.
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let monty = Monty::default();
    let ctx = context();
    println!("expressions: one core, best of {ROUNDS} rounds");
    for (name, source) in POLICIES {
        let rate = runtime.block_on(per_second(&monty, source, &ctx))?;
        let target = if *name == "group_and_ip" {
            " (target >= 20000)"
        } else {
            ""
        };
        println!("expressions_{name}_per_s: {rate:.0}{target}");
    }
    Ok(())
}

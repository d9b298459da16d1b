//! Admin list latency at scale: the users list at 100k users and the events filter at 1M
//! events, measured through the server functions over HTTP (p50/p95 of many calls).
//! Run by `make bench` against a scratch cluster (DATABASE_URL).
mod common;

use common::Scratch;
use serde_json::{Value, json};
use std::time::{Duration, Instant};

const USERS: i64 = 100_000;
const EVENTS: i64 = 1_000_000;
const CALLS: usize = 200;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let (scratch, mut cfg) = Scratch::create().await?;
    // As deployed: the worker runs beside the admin's page loads.
    cfg.worker = true;
    let app = server::startup::Application::build(cfg).await?;
    let address = format!("http://127.0.0.1:{}", app.port());
    let pool = app.state().pool.clone();
    tokio::spawn(app.run_until_stopped());

    let started = Instant::now();
    seed(&pool).await?;
    eprintln!(
        "bench: seeded {USERS} users and {EVENTS} events in {:.1} s",
        started.elapsed().as_secs_f64()
    );

    let client = reqwest::Client::builder().cookie_store(true).build()?;
    sign_in(&client, &address).await?;

    let searches = ["user1", "4242", "example.com", "User 77", "", "zzz-none"];
    let sorts = ["username", "name", "email", "last_login"];
    let mut users = Vec::new();
    for i in 0..CALLS {
        let query = json!({ "query": {
            "search": searches[i % searches.len()],
            "sort": sorts[i % sorts.len()],
            "descending": i % 3 == 0,
            "page": (i % 7) as u32,
        }});
        users.push(time_call(&client, &address, "admin/users/list", query).await?);
    }
    let filters = [
        json!({ "action": "login_failed" }),
        json!({ "username": "user4242" }),
        json!({ "client_ip": "10.1.0.0/16" }),
        json!({ "since": "2026-01-01", "until": "2026-06-30" }),
        json!({ "search": "firefox" }),
        json!({ "action": "login", "username": "user77" }),
        json!({}),
    ];
    let mut events = Vec::new();
    for i in 0..CALLS {
        let query = json!({ "query": filters[i % filters.len()] });
        events.push(time_call(&client, &address, "admin/events/list", query).await?);
    }
    report("users_list", &mut users);
    report("events_filter", &mut events);
    pool.close().await;
    scratch.drop().await?;
    Ok(())
}

async fn seed(pool: &sqlx::PgPool) -> anyhow::Result<()> {
    sqlx::query(
        "insert into users (id, username, email, name, last_login)
         select gen_random_uuid(), 'user' || i, 'user' || i || '@example.com', 'User ' || i,
                now() - (i % 1000 || ' hours')::interval
           from generate_series(1, $1) i",
    )
    .bind(USERS)
    .execute(pool)
    .await?;
    sqlx::query(
        "insert into events (id, action, user_id, username, client_ip, context, created_at)
         select gen_random_uuid(),
                (array['login', 'login_failed', 'logout', 'model_updated'])[1 + i % 4],
                null,
                'user' || (i % $2),
                ('10.' || (i % 4) || '.' || (i % 250) || '.' || (i % 200))::inet,
                jsonb_build_object('user_agent', (array['firefox', 'chrome', 'safari'])[1 + i % 3], 'flow', 'default-authentication-flow'),
                now() - ((i % 31536000) || ' seconds')::interval
           from generate_series(1, $1) i",
    )
    .bind(EVENTS)
    .bind(USERS)
    .execute(pool)
    .await?;
    sqlx::query("analyze").execute(pool).await?;
    Ok(())
}

async fn sign_in(client: &reqwest::Client, address: &str) -> anyhow::Result<()> {
    for fields in [
        vec![("slug", "default-authentication-flow")],
        vec![
            ("slug", "default-authentication-flow"),
            ("fields[uid_field]", "akadmin"),
        ],
        vec![
            ("slug", "default-authentication-flow"),
            ("fields[password]", "bench-admin-password"),
        ],
    ] {
        let endpoint = if fields.len() == 1 {
            "flow/load"
        } else {
            "flow/submit"
        };
        client
            .post(format!("{address}/-/fn/{endpoint}"))
            .header("Accept", "application/json")
            .form(&fields)
            .send()
            .await?;
    }
    Ok(())
}

async fn time_call(
    client: &reqwest::Client,
    address: &str,
    endpoint: &str,
    body: Value,
) -> anyhow::Result<Duration> {
    let start = Instant::now();
    let res = client
        .post(format!("{address}/-/fn/{endpoint}"))
        .json(&body)
        .send()
        .await?;
    let status = res.status();
    let bytes = res.bytes().await?;
    let took = start.elapsed();
    if !status.is_success() {
        anyhow::bail!("{endpoint}: {status}: {}", String::from_utf8_lossy(&bytes));
    }
    Ok(took)
}

fn report(name: &str, samples: &mut [Duration]) {
    samples.sort();
    let pick = |q: f64| {
        samples[((samples.len() as f64 * q) as usize).min(samples.len() - 1)].as_secs_f64() * 1000.0
    };
    println!("{name}_p50: {:.1} ms", pick(0.50));
    println!("{name}_p95: {:.1} ms", pick(0.95));
    println!("{name}_max: {:.1} ms", pick(1.0));
}

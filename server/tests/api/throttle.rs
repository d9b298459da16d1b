//! The sign-in throttle (app/src/ssr/throttle): failures per username and per IP earn a delay
//! kept in Postgres, never a lock; reputation moves with every check.
use crate::helpers::{TestApp, spawn_app};
use app::ssr::throttle::reputation;
use serde_json::{Value, json};

const RIGHT: &str = "the victim's own password";
const THROTTLED: &str = "Too many failed sign-in attempts. Try again in";
const WRONG: &str = "Invalid username or password.";

/// One password attempt from a fresh session (as a script would make it): the password
/// field's message, or "signed in".
async fn attempt(app: &TestApp, ip: &str, username: &str, password: &str) -> String {
    let browser = app.browser_at(ip);
    let view = browser.login(username, password).await;
    if view["challenge"]["component"] == "redirect" {
        return "signed in".into();
    }
    field(&view)
}

fn field(view: &Value) -> String {
    view["errors"]["password"]
        .as_str()
        .unwrap_or_else(|| panic!("no password error in {view}"))
        .to_string()
}

async fn counter(app: &TestApp, scope: &str, key: &str) -> Option<i32> {
    sqlx::query_scalar("select failures from throttle_counters where scope = $1 and key = $2")
        .bind(scope)
        .bind(key)
        .fetch_optional(&app.pool)
        .await
        .expect("counter")
}

/// As if the last failure of every counter had just happened.
async fn the_attacker_just_guessed(app: &TestApp) {
    sqlx::query("update throttle_counters set last_failure = now()")
        .execute(&app.pool)
        .await
        .expect("now");
}

/// As if the delays had run out: the clock moved on by `minutes`.
async fn time_passes(app: &TestApp, minutes: i32) {
    sqlx::query(
        "update throttle_counters set last_failure = last_failure - make_interval(mins => $1)",
    )
    .bind(minutes)
    .execute(&app.pool)
    .await
    .expect("shift");
}

#[tokio::test]
async fn wrong_passwords_from_fresh_sessions_are_slowed_then_the_owner_signs_in_after_the_delay() {
    let app = spawn_app().await;
    app.create_user("victim", RIGHT).await;

    let mut answers = Vec::new();
    for i in 0..20 {
        answers.push(attempt(&app, "203.0.113.5", "victim", &format!("guess {i}")).await);
    }
    // The first three are typos and cost nothing; then the delay starts.
    assert!(answers[..4].iter().all(|a| a == WRONG), "{answers:?}");
    let throttled = answers.iter().filter(|a| a.starts_with(THROTTLED)).count();
    let checked = answers.iter().filter(|a| *a == WRONG).count();
    assert_eq!(throttled + checked, 20, "{answers:?}");
    assert!(
        throttled >= 10,
        "only {throttled} of 20 were slowed: {answers:?}"
    );
    // Only checked guesses count; each refusal is still an event.
    assert_eq!(
        counter(&app, "username", "victim").await,
        Some(checked as i32)
    );
    let events = app.events("login_failed").await;
    assert_eq!(events.len(), 20);
    let refused = events
        .iter()
        .filter(|(_, _, c)| c.get("throttled").is_some())
        .count();
    assert_eq!(refused, throttled);
    assert!(
        events
            .iter()
            .all(|(_, ip, _)| ip.as_deref() == Some("203.0.113.5"))
    );

    // The owner, from elsewhere, is slowed by the username's count too: even the right
    // password is not checked yet, so the attacker learns nothing from it either. The
    // attacker's last guess is made "just now": on a loaded machine the twenty attempts can
    // take longer than the delay they earned.
    the_attacker_just_guessed(&app).await;
    let owner = attempt(&app, "198.51.100.9", "victim", RIGHT).await;
    assert!(owner.starts_with(THROTTLED), "{owner}");

    // Once the delay has passed, the right password works and the username's count is reset;
    // the attacker's IP keeps its count.
    time_passes(&app, 6).await;
    assert_eq!(
        attempt(&app, "198.51.100.9", "victim", RIGHT).await,
        "signed in"
    );
    assert_eq!(counter(&app, "username", "victim").await, None);
    assert!(counter(&app, "ip", "203.0.113.5").await.is_some());
    assert_eq!(counter(&app, "ip", "198.51.100.9").await, None);

    // Reputation: the attacker's address went down to authentik's floor, the owner's went up.
    let attacker = reputation::score(&app.pool, Some("203.0.113.5".parse().expect("ip")), None)
        .await
        .expect("score");
    assert_eq!(attacker, -(checked.min(5) as i64));
    let owner = reputation::score(
        &app.pool,
        Some("198.51.100.9".parse().expect("ip")),
        Some("VICTIM"),
    )
    .await
    .expect("score");
    assert_eq!(owner, 1);
}

#[tokio::test]
async fn one_address_guessing_many_usernames_is_slowed() {
    let app = spawn_app().await;
    let mut answers = Vec::new();
    for i in 0..20 {
        answers.push(attempt(&app, "203.0.113.77", &format!("someone{i}"), "guess").await);
    }
    // The IP allows more typos than a username (people share addresses), then slows down.
    assert!(answers[..11].iter().all(|a| a == WRONG), "{answers:?}");
    assert!(
        answers[11..].iter().any(|a| a.starts_with(THROTTLED)),
        "{answers:?}"
    );
    // Each username saw a single failure: only the IP's count is high.
    assert_eq!(counter(&app, "username", "someone0").await, Some(1));
    assert!(counter(&app, "ip", "203.0.113.77").await.unwrap_or(0) >= 11);
    // Another address is not affected.
    assert_eq!(
        attempt(&app, "203.0.113.78", "someone0", "guess").await,
        WRONG
    );
}

#[tokio::test]
async fn ipv6_clients_are_counted_per_64() {
    let app = spawn_app().await;
    for i in 1..=4 {
        let ip = format!("2001:db8:7:7::{i}");
        assert_eq!(
            attempt(&app, &ip, &format!("v6user{i}"), "guess").await,
            WRONG
        );
    }
    assert_eq!(counter(&app, "ip", "2001:db8:7:7::/64").await, Some(4));
}

#[tokio::test]
async fn failures_decay_with_time() {
    let app = spawn_app().await;
    for _ in 0..4 {
        assert_eq!(
            attempt(&app, "192.0.2.10", "decaying", "guess").await,
            WRONG
        );
    }
    assert_eq!(counter(&app, "username", "decaying").await, Some(4));
    // An hour without failures forgives four; the next failure counts from there.
    time_passes(&app, 60).await;
    assert_eq!(
        attempt(&app, "192.0.2.10", "decaying", "guess").await,
        WRONG
    );
    assert_eq!(counter(&app, "username", "decaying").await, Some(1));
}

#[tokio::test]
async fn changing_the_password_goes_through_the_throttle() {
    let app = spawn_app().await;
    app.create_user("changer", RIGHT).await;
    let me = app.browser_at("192.0.2.44");
    assert_eq!(
        me.login("changer", RIGHT).await["challenge"]["component"],
        "redirect"
    );
    let mut messages = Vec::new();
    for i in 0..6 {
        let saved = me
            .ok_fn(
                "me/password",
                json!({ "current": format!("not it {i}"), "new": "a new long password", "repeat": "a new long password" }),
            )
            .await;
        messages.push(saved.to_string());
    }
    assert!(
        messages[0].contains("This is not your current password."),
        "{messages:?}"
    );
    assert!(
        messages.iter().any(|m| m.contains(THROTTLED)),
        "{messages:?}"
    );
    // The right current password is refused too while the delay runs.
    let saved = me
        .ok_fn(
            "me/password",
            json!({ "current": RIGHT, "new": "a new long password", "repeat": "a new long password" }),
        )
        .await;
    assert!(saved.to_string().contains(THROTTLED), "{saved}");
    time_passes(&app, 6).await;
    let saved = me
        .ok_fn(
            "me/password",
            json!({ "current": RIGHT, "new": "a new long password", "repeat": "a new long password" }),
        )
        .await;
    assert_eq!(saved, json!({ "Ok": null }), "{saved}");
}

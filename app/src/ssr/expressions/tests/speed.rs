//! Throughput of a policy that reads a group and the client IP (the issue asks ≥ 20,000/s).
use super::*;
use std::time::Instant;

const POLICY: &str = r#"return ak_is_group_member(request.user, name="finance") and ip_address(request.http_request.META.get("REMOTE_ADDR")) in ip_network("10.0.0.0/8")"#;

async fn per_second(n: u32) -> f64 {
    rate_of(POLICY, n).await
}

async fn rate_of(src: &str, n: u32) -> f64 {
    let compiled = compile(src).expect("compiles");
    let ctx = ctx_for(Some(alice()), "10.1.2.3");
    let monty = Monty::default();
    let started = Instant::now();
    for _ in 0..n {
        let outcome = monty
            .evaluate(&compiled, &ctx, &Fixtures)
            .await
            .expect("runs");
        assert!(outcome.truthy(), "{src}");
    }
    f64::from(n) / started.elapsed().as_secs_f64()
}

#[tokio::test]
#[ignore = "measurement: run in release with --nocapture"]
async fn measure_evaluations_per_second() {
    per_second(2_000).await;
    let rate = per_second(50_000).await;
    println!("group+IP policy: {rate:.0} evaluations/s on one core");
    for src in [
        "return True",
        "return user.username",
        r#"return ak_is_group_member(request.user, name="finance")"#,
        r#"return ip_address("10.1.2.3") in ip_network("10.0.0.0/8")"#,
    ] {
        println!("{src}: {:.0}/s", rate_of(src, 20_000).await);
    }
}

fn peak_rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        })
        .unwrap_or(0)
}

/// How much memory gradual growth reaches before the time budget ends it (run alone: peak RSS
/// is per process).
#[tokio::test]
#[ignore = "measurement: run alone in release with --nocapture"]
async fn measure_growth_within_the_time_limit() {
    for src in [
        "l = []\nwhile True:\n    l.append('x' * 1000)",
        "l = []\nwhile True:\n    l.append('x' * 90000)",
        "l = []\nwhile True:\n    l.append(len(l))",
        "l = []\nwhile True:\n    l.append([0] * 10000)",
    ] {
        let before = peak_rss_kib();
        let err = eval(src).await.expect_err(src);
        let after = peak_rss_kib();
        println!(
            "{src:?}: {err} — peak RSS +{} MiB",
            after.saturating_sub(before) / 1024
        );
    }
}

//! A flood of password submits queues for Argon2's slots instead of filling memory: every
//! Argon2 run takes ~19 MiB, and before the slots 200 concurrent submits ran 200 at once.
use crate::helpers::spawn_app;

/// Peak resident memory of this process (the test and the Ward it serves), in MiB.
fn peak_rss_mib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").expect("/proc/self/status");
    let kib: u64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("VmHWM");
    kib / 1024
}

#[tokio::test(flavor = "multi_thread")]
async fn two_hundred_concurrent_password_submits_stay_within_the_memory_bound() {
    let app = spawn_app().await;
    // 200 sessions, each at the password stage, from 200 addresses (so the IP count stays out
    // of the way) for 200 usernames (unknown ones still cost a full Argon2 run).
    let mut browsers = Vec::new();
    for i in 0..200 {
        let b = app.browser_at(&format!("10.9.{}.{}", i / 200, i % 200 + 1));
        b.load_flow("default-authentication-flow", &[]).await;
        let view = b
            .submit(
                "default-authentication-flow",
                &[("uid_field", &format!("flood{i}"))],
            )
            .await;
        assert_eq!(view["challenge"]["component"], "password", "{view}");
        browsers.push(b);
    }
    let before = peak_rss_mib();
    let mut submits = tokio::task::JoinSet::new();
    for b in browsers {
        submits.spawn(async move {
            let res = b
                .server_fn(
                    "flow/submit",
                    &[
                        ("slug", "default-authentication-flow"),
                        ("fields[password]", "wrong"),
                    ],
                )
                .await;
            let status = res.status();
            let body: serde_json::Value = res.json().await.expect("json");
            (status, body)
        });
    }
    let answers = submits.join_all().await;
    let peak = peak_rss_mib();
    let cores = std::thread::available_parallelism().map_or(2, |n| n.get()) as u64;
    // The bound stated in the README: the flood adds at most 40 MiB plus 20 MiB per core (one
    // Argon2 run each). Measured as growth, so the size of the debug binary and what the test
    // set up before does not count.
    let bound = 40 + 20 * cores;
    let growth = peak.saturating_sub(before);
    eprintln!(
        "peak RSS: {before} MiB before the flood, {peak} MiB after: +{growth} MiB ({cores} cores, bound +{bound} MiB)"
    );
    assert!(
        growth <= bound,
        "the flood added {growth} MiB, above {bound} MiB"
    );
    // Every submit got an answer beside the field: wrong password, or try again shortly.
    for (status, body) in &answers {
        assert_eq!(*status, 200, "{body}");
        let message = body["errors"]["password"].as_str().unwrap_or_default();
        assert!(
            message == "Invalid username or password." || message.starts_with("Too many"),
            "{body}"
        );
    }
}

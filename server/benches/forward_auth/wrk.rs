//! One `wrk` run and the figures read from its report.
use super::{CONNECTIONS, SECONDS, THREADS, WARMUP_SECONDS};
use std::process::Stdio;

/// One wrk run: requests/s, the 99th percentile latency, and answers that were not 2xx/3xx
/// or failed at the socket.
#[derive(Clone, Copy, Debug)]
pub struct Run {
    pub rps: f64,
    pub p99_ms: f64,
    pub bad: u64,
}

/// `wrk` on `url` with `headers`: a short warm-up, then the timed run.
pub async fn wrk(url: &str, headers: &[String]) -> anyhow::Result<Run> {
    let mut last = None;
    for secs in [WARMUP_SECONDS, SECONDS] {
        let mut cmd = tokio::process::Command::new("wrk");
        cmd.args(["-t", THREADS, "-c", CONNECTIONS, "--latency"])
            .arg(format!("-d{secs}s"));
        for h in headers {
            cmd.arg("-H").arg(h);
        }
        let out = cmd
            .arg(url)
            .stdin(Stdio::null())
            .output()
            .await
            .map_err(|e| anyhow::anyhow!("wrk (scripts/setup.sh --bench installs it): {e}"))?;
        let text = String::from_utf8_lossy(&out.stdout).into_owned();
        anyhow::ensure!(
            out.status.success(),
            "wrk {url}: {}{text}",
            String::from_utf8_lossy(&out.stderr)
        );
        last = Some(parse_wrk(&text).ok_or_else(|| anyhow::anyhow!("wrk said: {text}"))?);
    }
    last.ok_or_else(|| anyhow::anyhow!("no wrk run"))
}

/// Requests/sec, the `99%` latency line and the error counts of wrk's `--latency` output.
fn parse_wrk(text: &str) -> Option<Run> {
    let mut rps = None;
    let mut p99_ms = None;
    let mut bad = 0;
    for line in text.lines().map(str::trim) {
        if let Some(v) = line.strip_prefix("Requests/sec:") {
            rps = v.trim().parse().ok();
        } else if let Some(v) = line.strip_prefix("99%") {
            p99_ms = millis(v.trim());
        } else if let Some(v) = line.strip_prefix("Non-2xx or 3xx responses:") {
            bad += v.trim().parse::<u64>().unwrap_or(0);
        } else if let Some(v) = line.strip_prefix("Socket errors:") {
            // "connect 0, read 0, write 0, timeout 0"
            bad += v
                .split(',')
                .filter_map(|kv| kv.split_whitespace().nth(1)?.parse::<u64>().ok())
                .sum::<u64>();
        }
    }
    Some(Run {
        rps: rps?,
        p99_ms: p99_ms?,
        bad,
    })
}

/// wrk's latency ("812.00us", "2.31ms", "1.02s", "2.00m") in milliseconds.
fn millis(v: &str) -> Option<f64> {
    let split = v.find(|c: char| c.is_ascii_alphabetic())?;
    let (n, unit) = v.split_at(split);
    let n: f64 = n.parse().ok()?;
    Some(match unit {
        "us" => n / 1000.0,
        "ms" => n,
        "s" => n * 1000.0,
        "m" => n * 60_000.0,
        _ => return None,
    })
}

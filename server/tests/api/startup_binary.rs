//! The real `ward` binary, started as `make run` starts it: with the embedded PostgreSQL cluster
//! (no WARD_DATABASE_URL), from a data directory of the user's choosing.
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

/// A port nobody listens on (bound, then released).
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("free port")
        .port()
}

/// A fresh directory closed to other users (mode 0700), as root's home directory is.
fn closed_dir() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("ward-closed-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir(&dir).expect("temp dir");
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o700)).expect("chmod");
    dir
}

fn is_root() -> bool {
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata("/proc/self").is_ok_and(|m| m.uid() == 0)
}

/// One `ward` run; on drop it kills the process, stops any cluster left behind and removes the
/// directories the run created, so a failing test leaves nothing running.
struct Run {
    child: Child,
    dir: PathBuf,
    data: PathBuf,
}

impl Run {
    fn start(dir: &Path, args: &[&str], env: &[(&str, String)]) -> Run {
        let data = dir.join("data");
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_ward"));
        cmd.args(args)
            .env_remove("WARD_DATABASE_URL")
            .env_remove("RUST_LOG")
            .env("WARD_DATA_DIR", &data)
            .env("WARD_WORKER", "false")
            .env("WARD_BLUEPRINTS_WATCH_SECONDS", "0")
            .env("WARD_LOG_LEVEL", "info")
            .stdin(Stdio::null())
            .stdout(std::fs::File::create(dir.join("stdout")).expect("stdout file"))
            .stderr(std::fs::File::create(dir.join("stderr")).expect("stderr file"));
        for (k, v) in env {
            cmd.env(k, v);
        }
        Run {
            child: cmd.spawn().expect("spawn ward"),
            dir: dir.to_path_buf(),
            data,
        }
    }

    fn output(&self) -> (String, String) {
        let read = |name: &str| std::fs::read_to_string(self.dir.join(name)).unwrap_or_default();
        (read("stdout"), read("stderr"))
    }

    /// Waits for the process to exit on its own.
    async fn exit(&mut self, within: Duration) -> ExitStatus {
        let deadline = Instant::now() + within;
        loop {
            if let Some(status) = self.child.try_wait().expect("wait") {
                return status;
            }
            assert!(
                Instant::now() < deadline,
                "ward still running after {within:?}: {:?}",
                self.output()
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Polls `url` until it answers 200, failing early when the process exits.
    async fn wait_ready(&mut self, url: &str, within: Duration) {
        let deadline = Instant::now() + within;
        let client = reqwest::Client::new();
        loop {
            if let Ok(res) = client.get(url).send().await
                && res.status() == 200
            {
                return;
            }
            if let Some(status) = self.child.try_wait().expect("wait") {
                panic!(
                    "ward exited ({status}) before {url} answered: {:?}",
                    self.output()
                );
            }
            assert!(
                Instant::now() < deadline,
                "{url} not ready after {within:?}: {:?}",
                self.output()
            );
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }

    fn terminate(&self) {
        let status = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .expect("kill");
        assert!(status.success());
    }

    /// The cluster's data directory.
    fn cluster_data(&self) -> PathBuf {
        cluster_dir(&self.data).join("data")
    }
}

fn cluster_dir(data: &Path) -> PathBuf {
    app::ssr::db::embedded::cluster_dir(data).expect("cluster dir")
}

impl Drop for Run {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = Command::new(env!("CARGO_BIN_EXE_ward"))
            .args(["scratch-db", "stop", "--dir"])
            .arg(&self.data)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
        // A cluster kept outside the data dir (running as root) goes too.
        let cluster = cluster_dir(&self.data);
        if !cluster.starts_with(&self.data)
            && let Some(relocated) = cluster.parent()
        {
            let _ = std::fs::remove_dir_all(relocated);
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

#[tokio::test]
async fn ward_starts_from_a_data_dir_inside_a_closed_directory_and_stops_its_cluster() {
    let dir = closed_dir();
    let port = free_port();
    let mut run = Run::start(
        &dir,
        &[],
        &[
            ("WARD_LISTEN", format!("127.0.0.1:{port}")),
            ("WARD_LISTEN__METRICS", "off".into()),
        ],
    );
    run.wait_ready(
        &format!("http://127.0.0.1:{port}/-/health/ready/"),
        Duration::from_secs(90),
    )
    .await;
    let (stdout, _) = run.output();
    assert!(
        stdout.contains(&format!(
            "open http://localhost:{port}/if/flow/initial-setup/"
        )),
        "{stdout}"
    );
    let cluster = cluster_dir(&run.data);
    if is_root() {
        // `postgres` cannot enter the 0700 directory: the cluster lives where it can, and the
        // log says where; the user's directory keeps its mode.
        assert!(
            cluster.starts_with("/var/lib/ward/"),
            "{}",
            cluster.display()
        );
        assert!(
            stdout.contains(&format!(
                "the postgres user cannot enter {}, so the embedded PostgreSQL is kept in {}",
                run.data.display(),
                cluster.display()
            )),
            "{stdout}"
        );
        let mode = std::fs::metadata(&dir).expect("dir").permissions().mode();
        assert_eq!(mode & 0o777, 0o700);
    } else {
        assert_eq!(cluster, run.data.join("postgres"));
    }

    run.terminate();
    let status = run.exit(Duration::from_secs(30)).await;
    assert!(status.success(), "{status}: {:?}", run.output());
    let data = run.cluster_data();
    assert!(data.join("PG_VERSION").exists(), "{}", data.display());
    assert!(
        !data.join("postmaster.pid").exists(),
        "the cluster in {} is still running",
        data.display()
    );
}

#[tokio::test]
async fn a_start_up_failure_after_the_cluster_started_stops_it_and_says_why_in_one_sentence() {
    let dir = closed_dir();
    let taken = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let metrics = taken.local_addr().expect("addr");
    let mut run = Run::start(
        &dir,
        &[],
        &[
            ("WARD_LISTEN", format!("127.0.0.1:{}", free_port())),
            ("WARD_LISTEN__METRICS", metrics.to_string()),
            // As a user who has backtraces on: still one sentence.
            ("RUST_BACKTRACE", "1".into()),
        ],
    );
    let status = run.exit(Duration::from_secs(90)).await;
    let (stdout, stderr) = run.output();
    assert_eq!(status.code(), Some(1), "{stdout}\n{stderr}");
    assert_eq!(
        stderr.trim(),
        format!(
            "Error: the metrics address {metrics} is already in use: set WARD_LISTEN__METRICS \
             to another address, or to `off`."
        ),
        "{stdout}"
    );
    let data = run.cluster_data();
    assert!(
        data.join("PG_VERSION").exists(),
        "the cluster was never created: {stdout}"
    );
    assert!(
        !data.join("postmaster.pid").exists(),
        "the cluster in {} was left running",
        data.display()
    );

    // With WARD_LOG_LEVEL=debug the same failure shows its full report.
    let mut run = Run::start(
        &dir,
        &[],
        &[
            ("WARD_LISTEN", format!("127.0.0.1:{}", free_port())),
            ("WARD_LISTEN__METRICS", metrics.to_string()),
            ("WARD_LOG_LEVEL", "debug".into()),
            ("RUST_BACKTRACE", "1".into()),
        ],
    );
    let status = run.exit(Duration::from_secs(90)).await;
    let (_, stderr) = run.output();
    assert_eq!(status.code(), Some(1));
    assert!(stderr.contains("Stack backtrace"), "{stderr}");
    assert!(!run.cluster_data().join("postmaster.pid").exists());
    drop(taken);
}

#[tokio::test]
async fn a_signal_while_starting_stops_the_cluster() {
    let dir = closed_dir();
    let mut run = Run::start(
        &dir,
        &[],
        &[
            ("WARD_LISTEN", format!("127.0.0.1:{}", free_port())),
            ("WARD_LISTEN__METRICS", "off".into()),
        ],
    );
    // As soon as the cluster runs (migrations and defaults are still to come).
    let pid_file = run.cluster_data().join("postmaster.pid");
    let deadline = Instant::now() + Duration::from_secs(90);
    while !pid_file.exists() {
        assert!(
            run.child.try_wait().expect("wait").is_none(),
            "{:?}",
            run.output()
        );
        assert!(Instant::now() < deadline, "{:?}", run.output());
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    run.terminate();
    let status = run.exit(Duration::from_secs(30)).await;
    assert!(status.success(), "{status}: {:?}", run.output());
    assert!(
        !pid_file.exists(),
        "the cluster was left running: {:?}",
        run.output()
    );
}

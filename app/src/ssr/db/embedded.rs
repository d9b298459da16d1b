//! Ward's private PostgreSQL cluster: used when no `WARD_DATABASE_URL` is given, and by the test
//! suite as a scratch cluster. It listens on a unix socket in its own directory only.
//!
//! `initdb` and `postgres` refuse to run as root; when Ward runs as root the cluster is owned by
//! and run as the unprivileged `postgres` system user (and kept where that user can reach it).
mod location;

use crate::ssr::{Error, Result};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

pub struct EmbeddedPostgres {
    bin: PathBuf,
    /// The data directory, absolute.
    base: PathBuf,
    root: PathBuf,
    data: PathBuf,
    socket_dir: PathBuf,
    relocated: bool,
    run_as: Option<(u32, u32)>,
    /// True while this handle must stop the cluster: set once this process started it (or was
    /// given it to stop); a found-running cluster belongs to whoever started it.
    owned: bool,
}

/// Where the cluster of data directory `base` is (holding `data/`), as `start` would choose it.
pub fn cluster_dir(base: &Path) -> Result<PathBuf> {
    Ok(location::locate(base, run_as()?)?.root)
}

impl EmbeddedPostgres {
    /// Creates the cluster for data directory `base` on first use (see `location` for where)
    /// and starts it. `scratch` trades durability for speed (tests only).
    ///
    /// The handle stops the cluster when dropped, so an error or a cancelled start-up never
    /// leaves it running; `stop` does it without blocking, `keep_running` gives it away.
    pub async fn start(base: &Path, scratch: bool) -> Result<Self> {
        std::fs::create_dir_all(base)
            .map_err(|e| Error::internal(format!("cannot create {}: {e}", base.display())))?;
        let mut pg = Self::at(base)?;
        pg.owned = false;
        if pg.relocated {
            location::prepare_relocated(&pg.root, base)?;
        }
        std::fs::create_dir_all(&pg.root)
            .map_err(|e| Error::internal(format!("cannot create {}: {e}", pg.root.display())))?;
        pg.chown(&pg.root)?;
        if pg.socket_dir.starts_with(&pg.root) {
            std::fs::create_dir_all(&pg.socket_dir).map_err(Error::internal)?;
        } else {
            let owner = pg.run_as.map_or_else(location::own_uid, |(uid, _)| uid);
            location::prepare_socket_dir(&pg.socket_dir, owner)?;
        }
        pg.chown(&pg.socket_dir)?;
        let blocking = tokio::task::spawn_blocking(move || -> Result<Self> {
            let mut pg = pg;
            if !pg.data.join("PG_VERSION").exists() {
                std::fs::create_dir_all(&pg.data).map_err(Error::internal)?;
                pg.chown(&pg.data)?;
                let mut args = vec![
                    "-D",
                    path_str(&pg.data)?,
                    "-U",
                    "postgres",
                    "-A",
                    "trust",
                    "-E",
                    "UTF8",
                    "--locale=C",
                ];
                if scratch {
                    args.push("--no-sync");
                }
                pg.run("initdb", &args).map_err(|e| {
                    Error::internal(format!(
                        "could not create the PostgreSQL cluster in {}: {e}",
                        pg.data.display()
                    ))
                })?;
            }
            if pg
                .run("pg_ctl", &["-D", path_str(&pg.data)?, "status"])
                .is_ok()
            {
                return Ok(pg);
            }
            let mut opts = format!(
                "-c listen_addresses='' -k {} -c unix_socket_permissions=0700",
                path_str(&pg.socket_dir)?
            );
            if scratch {
                opts.push_str(" -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300");
            }
            let log = pg.data.join("server.log");
            let log_start = std::fs::metadata(&log).map_or(0, |m| m.len());
            let started = pg.run(
                "pg_ctl",
                &[
                    "-D",
                    path_str(&pg.data)?,
                    "-l",
                    path_str(&log)?,
                    "-o",
                    &opts,
                    "-w",
                    "-t",
                    "60",
                    "start",
                ],
            );
            // pg_ctl may give up waiting while the server still comes up: then stop it too.
            pg.owned = started.is_ok() || pg.data.join("postmaster.pid").exists();
            started.map_err(|e| {
                Error::internal(format!(
                    "PostgreSQL did not start ({}); its log is {}",
                    last_log_line(&log, log_start).unwrap_or(e),
                    log.display()
                ))
            })?;
            Ok(pg)
        });
        blocking.await.map_err(Error::internal)?
    }

    /// A handle that owns the already-created cluster of `base` (to stop it from another process).
    pub fn existing(base: &Path) -> Result<Self> {
        Self::at(base)
    }

    fn at(base: &Path) -> Result<Self> {
        let run_as = run_as()?;
        let loc = location::locate(base, run_as)?;
        Ok(Self {
            bin: find_bin_dir()?,
            base: std::path::absolute(base).map_err(Error::internal)?,
            data: loc.root.join("data"),
            root: loc.root,
            socket_dir: loc.socket_dir,
            relocated: loc.relocated,
            run_as,
            owned: true,
        })
    }

    /// The directory holding the cluster.
    pub fn dir(&self) -> &Path {
        &self.root
    }

    /// Where the cluster is, and why when it is not under the data directory (for the log).
    pub fn location(&self) -> String {
        if self.relocated {
            format!(
                "the postgres user cannot enter {}, so the embedded PostgreSQL is kept in {}",
                self.base.display(),
                self.root.display()
            )
        } else {
            format!("using the embedded PostgreSQL in {}", self.root.display())
        }
    }

    /// A connection URL for database `db` over the cluster's socket.
    pub fn url(&self, db: &str) -> String {
        format!(
            "postgres://postgres@localhost/{db}?host={}",
            self.socket_dir.display()
        )
    }

    /// Creates database `db` if it does not exist yet.
    pub async fn ensure_database(&self, db: &str) -> Result<()> {
        use sqlx::Connection;
        let mut conn = sqlx::PgConnection::connect(&self.url("postgres")).await?;
        let exists: bool =
            sqlx::query_scalar("select exists(select 1 from pg_database where datname = $1)")
                .bind(db)
                .fetch_one(&mut conn)
                .await?;
        if !exists {
            sqlx::query(&format!("create database \"{}\"", db.replace('"', "")))
                .execute(&mut conn)
                .await?;
        }
        Ok(())
    }

    /// Stops the cluster if this handle owns it.
    pub async fn stop(self) -> Result<()> {
        tokio::task::spawn_blocking(move || self.stop_blocking())
            .await
            .map_err(Error::internal)?
    }

    /// Stops the cluster if this handle owns it, waiting for it in this thread.
    pub fn stop_blocking(mut self) -> Result<()> {
        if !std::mem::take(&mut self.owned) {
            return Ok(());
        }
        self.pg_stop()
    }

    /// Leaves the cluster running after this handle is gone (`ward scratch-db start`).
    pub fn keep_running(mut self) {
        self.owned = false;
    }

    fn pg_stop(&self) -> Result<()> {
        self.run(
            "pg_ctl",
            &["-D", path_str(&self.data)?, "-m", "fast", "-w", "stop"],
        )
        .map_err(|e| Error::internal(format!("could not stop PostgreSQL: {e}")))
    }

    /// Runs a PostgreSQL tool as the cluster's user; on failure, its complaint on one line.
    fn run(&self, tool: &str, args: &[&str]) -> std::result::Result<(), String> {
        let mut cmd = Command::new(self.bin.join(tool));
        cmd.args(args)
            .current_dir(&self.root)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        if let Some((uid, gid)) = self.run_as {
            cmd.uid(uid).gid(gid);
        }
        let out = cmd.output().map_err(|e| format!("{tool}: {e}"))?;
        if out.status.success() {
            Ok(())
        } else {
            Err(one_line(&String::from_utf8_lossy(&out.stderr)))
        }
    }

    fn chown(&self, path: &Path) -> Result<()> {
        if let Some((uid, gid)) = self.run_as {
            std::os::unix::fs::chown(path, Some(uid), Some(gid)).map_err(Error::internal)?;
        }
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o700))
            .map_err(Error::internal)
    }
}

impl Drop for EmbeddedPostgres {
    /// The safety net for every exit path that did not call `stop`: `?` during start-up, a
    /// cancelled start (SIGINT/SIGTERM), a panic.
    fn drop(&mut self) {
        if std::mem::take(&mut self.owned)
            && let Err(e) = self.pg_stop()
        {
            tracing::warn!("{e}");
        }
    }
}

fn one_line(text: &str) -> String {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// The server's own reason, when it wrote one (pg_ctl only says to look at the log).
fn last_log_line(log: &Path, from: u64) -> Option<String> {
    let bytes = std::fs::read(log).ok()?;
    let text = String::from_utf8_lossy(bytes.get(usize::try_from(from).ok()?..)?);
    let line = text
        .lines()
        .rev()
        .find(|l| l.contains("FATAL") || l.contains("ERROR"))?;
    Some(line.trim().to_string())
}

/// The user the PostgreSQL tools run as: `postgres` when Ward runs as root, which they refuse.
fn run_as() -> Result<Option<(u32, u32)>> {
    if is_root() {
        Ok(Some(postgres_user()?))
    } else {
        Ok(None)
    }
}

fn path_str(p: &Path) -> Result<&str> {
    p.to_str()
        .ok_or_else(|| Error::internal("data directory path is not UTF-8"))
}

fn is_root() -> bool {
    location::own_uid() == 0
}

fn postgres_user() -> Result<(u32, u32)> {
    let passwd = std::fs::read_to_string("/etc/passwd").map_err(Error::internal)?;
    passwd
        .lines()
        .map(|l| l.split(':').collect::<Vec<_>>())
        .find(|f| f.first() == Some(&"postgres"))
        .and_then(|f| Some((f.get(2)?.parse().ok()?, f.get(3)?.parse().ok()?)))
        .ok_or_else(|| {
            Error::internal(
                "running as root needs the `postgres` system user (install the postgresql package)",
            )
        })
}

/// The newest /usr/lib/postgresql/<v>/bin, else the directory of `initdb` on PATH.
fn find_bin_dir() -> Result<PathBuf> {
    let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| {
            let v = e.file_name().to_str()?.parse().ok()?;
            let bin = e.path().join("bin");
            bin.join("initdb").exists().then_some((v, bin))
        })
        .collect();
    versions.sort();
    if let Some((_, bin)) = versions.pop() {
        return Ok(bin);
    }
    std::env::var_os("PATH")
        .iter()
        .flat_map(std::env::split_paths)
        .find(|dir| dir.join("initdb").exists() && dir.join("pg_ctl").exists())
        .ok_or_else(|| Error::internal("PostgreSQL server binaries (initdb, pg_ctl) not found; install the postgresql package"))
}

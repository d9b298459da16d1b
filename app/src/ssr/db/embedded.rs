//! Ward's private PostgreSQL cluster: used when no `WARD_DATABASE_URL` is given, and by the test
//! suite as a scratch cluster. It listens on a unix socket in its own directory only.
//!
//! `initdb` and `postgres` refuse to run as root; when Ward runs as root the cluster is owned by
//! and run as the unprivileged `postgres` system user.
use crate::ssr::{Error, Result};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

pub struct EmbeddedPostgres {
    bin: PathBuf,
    data: PathBuf,
    socket_dir: PathBuf,
    run_as: Option<(u32, u32)>,
    /// False when we found the cluster already running (then someone else stops it).
    owned: bool,
}

impl EmbeddedPostgres {
    /// Creates the cluster under `<base>/postgres` on first use and starts it.
    /// `scratch` trades durability for speed (tests only).
    pub async fn start(base: &Path, scratch: bool) -> Result<Self> {
        let base = std::path::absolute(base).map_err(Error::internal)?;
        let root = base.join("postgres");
        let pg = Self {
            bin: find_bin_dir()?,
            data: root.join("data"),
            socket_dir: root.join("run"),
            run_as: if is_root() {
                Some(postgres_user()?)
            } else {
                None
            },
            owned: true,
        };
        std::fs::create_dir_all(&pg.socket_dir).map_err(Error::internal)?;
        pg.chown(&root)?;
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
                pg.run("initdb", &args)?;
            }
            if pg
                .run("pg_ctl", &["-D", path_str(&pg.data)?, "status"])
                .is_ok()
            {
                pg.owned = false;
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
            pg.run(
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
            )?;
            Ok(pg)
        });
        blocking.await.map_err(Error::internal)?
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

    /// Stops the cluster if this process started it.
    pub async fn stop(self) -> Result<()> {
        if !self.owned {
            return Ok(());
        }
        tokio::task::spawn_blocking(move || self.stop_now())
            .await
            .map_err(Error::internal)?
    }

    pub fn stop_now(&self) -> Result<()> {
        self.run(
            "pg_ctl",
            &["-D", path_str(&self.data)?, "-m", "fast", "-w", "stop"],
        )
    }

    /// A handle to an already-created cluster under `base` (to stop it from another process).
    pub fn existing(base: &Path) -> Result<Self> {
        let root = std::path::absolute(base)
            .map_err(Error::internal)?
            .join("postgres");
        Ok(Self {
            bin: find_bin_dir()?,
            data: root.join("data"),
            socket_dir: root.join("run"),
            run_as: if is_root() {
                Some(postgres_user()?)
            } else {
                None
            },
            owned: true,
        })
    }

    fn run(&self, tool: &str, args: &[&str]) -> Result<()> {
        let mut cmd = Command::new(self.bin.join(tool));
        cmd.args(args)
            .current_dir(self.data.parent().unwrap_or(&self.data))
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        if let Some((uid, gid)) = self.run_as {
            cmd.uid(uid).gid(gid);
        }
        let out = cmd
            .output()
            .map_err(|e| Error::internal(format!("{tool}: {e}")))?;
        if out.status.success() {
            Ok(())
        } else {
            Err(Error::internal(format!(
                "{tool} failed: {}",
                String::from_utf8_lossy(&out.stderr).trim()
            )))
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

fn path_str(p: &Path) -> Result<&str> {
    p.to_str()
        .ok_or_else(|| Error::internal("data directory path is not UTF-8"))
}

fn is_root() -> bool {
    // /proc/self is owned by the effective user: no libc call needed.
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata("/proc/self")
        .map(|m| m.uid() == 0)
        .unwrap_or(false)
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

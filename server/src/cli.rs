//! Subcommands besides `serve`.
use crate::config::Config;
use app::ssr::db::embedded::EmbeddedPostgres;
use app::ssr::tokens;
use app::ssr::{blueprints, db, users};
use clap::{Parser, Subcommand};
use std::path::PathBuf;

#[derive(Parser)]
#[command(
    name = "ward",
    version,
    about = "Ward, a self-hosted identity provider"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Subcommand)]
pub enum Command {
    /// Run the server (the default).
    Serve,
    /// Apply database migrations and exit.
    Migrate,
    /// Print a one-time link (valid for the default token duration, 30 minutes unless changed) that signs USERNAME in.
    CreateRecoveryKey { username: String },
    /// Exit 0 when the local server answers /-/health/live/ (for container health checks).
    Healthcheck,
    /// Apply a blueprint (authentik's YAML format), or print the directory as one.
    #[command(subcommand)]
    Blueprint(BlueprintCommand),
    /// Run a remote outpost (`proxy`) with authentik's settings: AUTHENTIK_HOST, AUTHENTIK_TOKEN,
    /// AUTHENTIK_INSECURE, AUTHENTIK_LISTEN__HTTP.
    #[command(subcommand)]
    Outpost(OutpostCommand),
    /// Start or stop a throwaway PostgreSQL cluster for the test suite; `start` prints the URL
    /// of its (empty) database `ward`.
    #[command(hide = true)]
    ScratchDb {
        #[arg(value_parser = ["start", "stop"])]
        action: String,
        #[arg(long)]
        dir: PathBuf,
    },
}

#[derive(Subcommand)]
pub enum OutpostCommand {
    /// Forward auth and proxy mode for the proxy providers assigned to the outpost.
    Proxy,
}

#[derive(Subcommand)]
pub enum BlueprintCommand {
    /// Apply FILE: every entry, or none when one fails.
    Apply {
        file: PathBuf,
        /// Skip entries of models Ward does not have instead of failing.
        #[arg(long)]
        skip_unknown: bool,
    },
    /// Print the groups, users and applications as a blueprint (`ward blueprint export > FILE`).
    Export,
}

pub async fn run(command: Command, config: Config) -> anyhow::Result<()> {
    match command {
        Command::Serve | Command::Outpost(_) => unreachable_serve(),
        Command::Migrate => {
            with_db(&config, |pool| async move { Ok(db::migrate(&pool).await?) }).await
        }
        Command::CreateRecoveryKey { username } => {
            let base = config.public_url.trim_end_matches('/').to_string();
            with_db(&config, |pool| async move {
                db::migrate(&pool).await?;
                let key = recovery_link(&pool, &username, &base).await?;
                println!(
                    "Store this link safely: it signs in as {username} once, within the next {}.",
                    span(key.valid_minutes)
                );
                println!("{}", key.url);
                Ok(())
            })
            .await
        }
        Command::Healthcheck => healthcheck(config.listen.port()).await,
        Command::Blueprint(BlueprintCommand::Apply { file, skip_unknown }) => {
            let text = std::fs::read_to_string(&file)
                .map_err(|e| anyhow::anyhow!("{}: {e}", file.display()))?;
            // Secrets the blueprint sets are sealed with the instance key, as the server does.
            let secret_key = config.instance_key()?;
            with_db(&config, |pool| async move {
                db::migrate(&pool).await?;
                let system = users::system();
                let actor = app::ssr::audit::Actor {
                    user: &system,
                    ip: [127, 0, 0, 1].into(),
                };
                let opts = blueprints::apply::Options {
                    skip_unknown,
                    secret_key: secret_key.clone(),
                    ..Default::default()
                };
                let o = blueprints::apply_text(&pool, &actor, &text, &opts).await?;
                println!(
                    "applied: {} created, {} updated, {} deleted, {} unchanged",
                    o.created, o.updated, o.deleted, o.unchanged
                );
                for skipped in o.skipped {
                    println!("skipped {skipped}: Ward has no such model");
                }
                Ok(())
            })
            .await
        }
        Command::Blueprint(BlueprintCommand::Export) => {
            with_db(&config, |pool| async move {
                db::migrate(&pool).await?;
                print!("{}", blueprints::export::export(&pool).await?);
                Ok(())
            })
            .await
        }
        Command::ScratchDb { action, dir } => {
            if action == "start" {
                let pg = EmbeddedPostgres::start(&dir, true).await?;
                pg.ensure_database("ward").await?;
                println!("{}", pg.url("ward"));
                pg.keep_running();
            } else {
                EmbeddedPostgres::existing(&dir)?.stop_blocking()?;
            }
            Ok(())
        }
    }
}

/// A recovery link as `ward create-recovery-key` prints it.
pub struct RecoveryKey {
    pub url: String,
    pub valid_minutes: i32,
}

/// A single-use link, valid for the default token duration setting, that signs `username` in
/// through the recovery flow.
pub async fn recovery_link(
    pool: &sqlx::PgPool,
    username: &str,
    base: &str,
) -> anyhow::Result<RecoveryKey> {
    let user = users::get_by_username(pool, username)
        .await?
        .ok_or_else(|| anyhow::anyhow!("no user named {username}"))?;
    let link = tokens::recovery_link(pool, None, user.id, "recovery").await?;
    Ok(RecoveryKey {
        url: format!("{}{}", base.trim_end_matches('/'), link.path),
        valid_minutes: link.valid_minutes,
    })
}

/// A duration for "within the next …": `30 minutes`, `hour`, `2 hours`, `day`.
fn span(minutes: i32) -> String {
    let (n, unit) = match minutes {
        m if m % 1440 == 0 => (m / 1440, "day"),
        m if m % 60 == 0 => (m / 60, "hour"),
        m => (m, "minute"),
    };
    match n {
        1 => unit.to_string(),
        n => format!("{n} {unit}s"),
    }
}

fn unreachable_serve() -> anyhow::Result<()> {
    anyhow::bail!("serve is handled by main")
}

/// Runs `f` against the configured database, starting (and afterwards stopping) the embedded
/// cluster when no URL is set and no server is running it.
async fn with_db<F, Fut>(config: &Config, f: F) -> anyhow::Result<()>
where
    F: FnOnce(sqlx::PgPool) -> Fut,
    Fut: std::future::Future<Output = anyhow::Result<()>>,
{
    match &config.database_url {
        Some(url) => f(db::connect(url).await?).await,
        None => {
            let pg = EmbeddedPostgres::start(&config.data_dir, false).await?;
            pg.ensure_database("ward").await?;
            let pool = db::connect(&pg.url("ward")).await?;
            let result = f(pool.clone()).await;
            pool.close().await;
            pg.stop().await?;
            result
        }
    }
}

async fn healthcheck(port: u16) -> anyhow::Result<()> {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut stream = tokio::net::TcpStream::connect(("127.0.0.1", port)).await?;
    stream
        .write_all(b"GET /-/health/live/ HTTP/1.0\r\nHost: localhost\r\n\r\n")
        .await?;
    let mut buf = Vec::new();
    stream.read_to_end(&mut buf).await?;
    let head = String::from_utf8_lossy(&buf);
    if head.starts_with("HTTP/1.0 200") || head.starts_with("HTTP/1.1 200") {
        println!("ok");
        Ok(())
    } else {
        anyhow::bail!("unhealthy: {}", head.lines().next().unwrap_or_default())
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn spans_read_naturally() {
        let said: Vec<String> = [30, 1, 60, 90, 120, 1440, 2880, 525_600]
            .into_iter()
            .map(super::span)
            .collect();
        assert_eq!(
            said,
            [
                "30 minutes",
                "minute",
                "hour",
                "90 minutes",
                "2 hours",
                "day",
                "2 days",
                "365 days"
            ]
        );
    }
}

//! What every benchmark needs: a database of its own on the scratch cluster, a Ward config
//! for it, and the REST calls that set up providers and applications.
// Each benchmark is its own crate and uses only part of this.
#![allow(dead_code)]

use serde_json::Value;
use sqlx::Connection;

/// The bootstrap API token (superuser) of every benchmark's Ward.
pub const TOKEN: &str = "bench-bootstrap-token-0123456789-0123456789";

/// A database created for one benchmark run on the cluster `DATABASE_URL` names.
pub struct Scratch {
    name: String,
    conn: sqlx::PgConnection,
}

impl Scratch {
    /// The database, and a config for a Ward on port 0 that uses it (bootstrap admin and
    /// token, no worker, no metrics listener).
    pub async fn create() -> anyhow::Result<(Scratch, server::config::Config)> {
        let base = std::env::var("DATABASE_URL")
            .map_err(|_| anyhow::anyhow!("DATABASE_URL is not set (run through make bench)"))?;
        let name = format!("ward_bench_{}", uuid::Uuid::new_v4().simple());
        let mut conn = sqlx::PgConnection::connect(&base).await?;
        sqlx::query(&format!("create database {name}"))
            .execute(&mut conn)
            .await?;
        let mut url = url::Url::parse(&base)?;
        url.set_path(&name);
        let mut cfg = server::config::Config::from_env()?;
        cfg.listen = "127.0.0.1:0".parse()?;
        cfg.database_url = Some(url.to_string());
        cfg.data_dir = std::env::temp_dir().join(&name);
        cfg.secret_key =
            server::config::SecretKey("bench-secret-key-bench-secret-key-0123456789".into());
        cfg.bootstrap_password = Some("bench-admin-password".into());
        cfg.bootstrap_email = Some("admin@example.com".into());
        cfg.bootstrap_token = Some(TOKEN.into());
        cfg.metrics_listen = None;
        cfg.worker = false;
        Ok((Scratch { name, conn }, cfg))
    }

    /// Drops the database and Ward's data directory.
    pub async fn drop(mut self) -> anyhow::Result<()> {
        sqlx::query(&format!(
            "drop database if exists {} with (force)",
            self.name
        ))
        .execute(&mut self.conn)
        .await?;
        let _ = std::fs::remove_dir_all(std::env::temp_dir().join(&self.name));
        Ok(())
    }
}

/// POSTs `body` to `/api/v3{path}` as the superuser; the created object.
pub async fn admin(
    http: &reqwest::Client,
    ward: &str,
    path: &str,
    body: Value,
) -> anyhow::Result<Value> {
    let res = http
        .post(format!("{ward}/api/v3{path}"))
        .bearer_auth(TOKEN)
        .json(&body)
        .send()
        .await?;
    let status = res.status();
    let v: Value = res.json().await?;
    anyhow::ensure!(status.is_success(), "{path}: {status} {v}");
    Ok(v)
}

/// The pk of the flow with `slug`.
pub async fn flow(http: &reqwest::Client, ward: &str, slug: &str) -> anyhow::Result<Value> {
    let v: Value = http
        .get(format!("{ward}/api/v3/flows/instances/{slug}/"))
        .bearer_auth(TOKEN)
        .send()
        .await?
        .json()
        .await?;
    Ok(v["pk"].clone())
}

/// A redirect's target.
pub fn location(res: &reqwest::Response) -> anyhow::Result<String> {
    Ok(res
        .headers()
        .get("location")
        .ok_or_else(|| anyhow::anyhow!("no redirect ({})", res.status()))?
        .to_str()?
        .to_string())
}

//! Settings from the environment (`WARD_*`). Secrets are never logged.
use anyhow::{Context, bail};
use ipnetwork::IpNetwork;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

pub struct Config {
    pub listen: SocketAddr,
    pub secret_key: SecretKey,
    pub database_url: Option<String>,
    pub data_dir: PathBuf,
    pub log_level: String,
    pub trusted_proxies: Vec<IpNetwork>,
    /// Where people reach Ward; used in links the CLI prints.
    pub public_url: String,
    pub bootstrap_password: Option<String>,
    pub bootstrap_email: Option<String>,
    pub bootstrap_token: Option<String>,
    /// Whether this process also runs a background worker (WARD_WORKER, default true).
    pub worker: bool,
    /// How often blueprint files are checked for changes (WARD_BLUEPRINTS_WATCH_SECONDS,
    /// default 5; 0 turns the watch off).
    pub blueprints_watch: Option<std::time::Duration>,
    /// Where `/metrics` is served (WARD_LISTEN__METRICS, authentik's 0.0.0.0:9300 by default;
    /// `off` disables it). Never on the main listener, so it is not public by accident.
    pub metrics_listen: Option<SocketAddr>,
    /// `text` (default) or `json` (WARD_LOG_FORMAT).
    pub log_json: bool,
    pub email: app::ssr::email::EmailConfig,
}

/// The installation's secret key. Debug output is redacted.
#[derive(Clone)]
pub struct SecretKey(pub String);

impl std::fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SecretKey(<redacted>)")
    }
}

/// authentik's default: loopback and the private ranges.
pub const DEFAULT_TRUSTED: &str =
    "127.0.0.0/8,10.0.0.0/8,172.16.0.0/12,192.168.0.0/16,fe80::/10,::1/128";

impl Config {
    pub fn from_env() -> anyhow::Result<Self> {
        let var = |name: &str| std::env::var(name).ok().filter(|v| !v.trim().is_empty());
        let listen = var("WARD_LISTEN").unwrap_or_else(|| "0.0.0.0:9000".into());
        let listen: SocketAddr = listen
            .parse()
            .with_context(|| format!("WARD_LISTEN: not an address: {listen}"))?;
        let data_dir = PathBuf::from(var("WARD_DATA_DIR").unwrap_or_else(|| "./data".into()));
        let trusted_proxies = parse_cidrs(
            &var("WARD_TRUSTED_PROXY_CIDRS").unwrap_or_else(|| DEFAULT_TRUSTED.into()),
        )?;
        let secret_key = match var("WARD_SECRET_KEY") {
            Some(k) => SecretKey(k),
            None => SecretKey(String::new()), // loaded from the data dir at serve time
        };
        let email = email_from_env(&var, &data_dir)?;
        Ok(Self {
            public_url: var("WARD_PUBLIC_URL")
                .unwrap_or_else(|| format!("http://localhost:{}", listen.port())),
            listen,
            secret_key,
            database_url: var("WARD_DATABASE_URL"),
            data_dir,
            log_level: var("WARD_LOG_LEVEL").unwrap_or_else(|| "info".into()),
            trusted_proxies,
            bootstrap_password: var("WARD_BOOTSTRAP_PASSWORD"),
            bootstrap_email: var("WARD_BOOTSTRAP_EMAIL"),
            bootstrap_token: var("WARD_BOOTSTRAP_TOKEN"),
            metrics_listen: match var("WARD_LISTEN__METRICS").as_deref() {
                Some("off") => None,
                other => {
                    let raw = other.unwrap_or("0.0.0.0:9300");
                    Some(raw.parse().with_context(|| {
                        format!("WARD_LISTEN__METRICS: not an address or off: {raw}")
                    })?)
                }
            },
            log_json: match var("WARD_LOG_FORMAT").as_deref() {
                None | Some("text") => false,
                Some("json") => true,
                Some(other) => bail!("WARD_LOG_FORMAT: expected text or json, got {other}"),
            },
            email,
            worker: match var("WARD_WORKER").as_deref() {
                None | Some("true" | "1") => true,
                Some("false" | "0") => false,
                Some(other) => bail!("WARD_WORKER: expected true or false, got {other}"),
            },
            blueprints_watch: match var("WARD_BLUEPRINTS_WATCH_SECONDS")
                .as_deref()
                .unwrap_or("5")
                .parse::<u64>()
            {
                Ok(0) => None,
                Ok(s) if s <= 86_400 => Some(std::time::Duration::from_secs(s)),
                _ => bail!("WARD_BLUEPRINTS_WATCH_SECONDS: expected 0 to 86400 seconds"),
            },
        })
    }

    /// The secret key from WARD_SECRET_KEY, else from `<data dir>/secret_key`, created on first start.
    pub fn ensure_secret_key(&mut self) -> anyhow::Result<()> {
        self.secret_key = SecretKey(self.instance_key()?);
        Ok(())
    }

    /// The instance key `ensure_secret_key` settles on (for commands that do not start Ward).
    pub fn instance_key(&self) -> anyhow::Result<String> {
        if !self.secret_key.0.is_empty() {
            return Ok(self.secret_key.0.clone());
        }
        load_or_create_key(&self.data_dir)
    }
}

/// WARD_EMAIL__HOST, __PORT, __USERNAME, __PASSWORD, __USE_TLS, __USE_SSL, __TIMEOUT,
/// __FROM, with authentik's defaults (localhost:25, no TLS, 10 s).
fn email_from_env(
    var: &dyn Fn(&str) -> Option<String>,
    data_dir: &Path,
) -> anyhow::Result<app::ssr::email::EmailConfig> {
    let flag = |name: &str| -> anyhow::Result<bool> {
        match var(name).as_deref().map(str::to_ascii_lowercase).as_deref() {
            None | Some("false" | "0") => Ok(false),
            Some("true" | "1") => Ok(true),
            Some(other) => bail!("{name}: expected true or false, got {other}"),
        }
    };
    let number = |name: &str, default: u64| -> anyhow::Result<u64> {
        var(name).map_or(Ok(default), |v| {
            v.parse()
                .with_context(|| format!("{name}: not a number: {v}"))
        })
    };
    let use_tls = flag("WARD_EMAIL__USE_TLS")?;
    let use_ssl = flag("WARD_EMAIL__USE_SSL")?;
    if use_tls && use_ssl {
        bail!("WARD_EMAIL__USE_TLS and WARD_EMAIL__USE_SSL exclude each other");
    }
    Ok(app::ssr::email::EmailConfig {
        host: var("WARD_EMAIL__HOST").unwrap_or_else(|| "localhost".into()),
        port: u16::try_from(number("WARD_EMAIL__PORT", 25)?)
            .context("WARD_EMAIL__PORT: not a port")?,
        username: var("WARD_EMAIL__USERNAME"),
        password: var("WARD_EMAIL__PASSWORD"),
        use_tls,
        use_ssl,
        timeout: std::time::Duration::from_secs(number("WARD_EMAIL__TIMEOUT", 10)?),
        from: var("WARD_EMAIL__FROM").unwrap_or_else(|| "ward@localhost".into()),
        template_dir: data_dir.join("templates").join("email"),
    })
}

pub fn parse_cidrs(raw: &str) -> anyhow::Result<Vec<IpNetwork>> {
    raw.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| {
            s.parse::<IpNetwork>()
                .with_context(|| format!("WARD_TRUSTED_PROXY_CIDRS: not a CIDR: {s}"))
        })
        .collect()
}

fn load_or_create_key(dir: &Path) -> anyhow::Result<String> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let path = dir.join("secret_key");
    if let Ok(k) = std::fs::read_to_string(&path) {
        let k = k.trim().to_string();
        if k.len() < 32 {
            bail!(
                "{} is too short; delete it to generate a new one",
                path.display()
            );
        }
        return Ok(k);
    }
    std::fs::create_dir_all(dir).map_err(|e| {
        anyhow::anyhow!(
            "cannot create the data directory {} ({e}): set WARD_DATA_DIR to a directory Ward may write",
            dir.display()
        )
    })?;
    let key = app::ssr::crypto::secret::random_token(48);
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(&path)
        .map_err(|e| {
            anyhow::anyhow!(
                "cannot write the secret key to {} ({e}): set WARD_DATA_DIR to a directory Ward may write",
                path.display()
            )
        })?;
    f.write_all(key.as_bytes())?;
    tracing::info!("generated a new secret key in {}", path.display());
    Ok(key)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cidrs_parse_and_reject() {
        assert_eq!(
            parse_cidrs("10.0.0.0/8, ::1/128").map(|v| v.len()).ok(),
            Some(2)
        );
        assert!(parse_cidrs("10.0.0.0/8,nonsense").is_err());
    }

    #[test]
    fn secret_key_is_created_once_and_reused() {
        let dir = std::env::temp_dir().join(format!("ward-key-{}", uuid::Uuid::new_v4()));
        let a = load_or_create_key(&dir).expect("create");
        let b = load_or_create_key(&dir).expect("reload");
        assert_eq!(a, b);
        assert!(a.len() >= 64);
        assert_eq!(format!("{:?}", SecretKey(a)), "SecretKey(<redacted>)");
        let _ = std::fs::remove_dir_all(dir);
    }

    proptest::proptest! {
        /// Any WARD_TRUSTED_PROXY_CIDRS value: networks or an error naming the bad one.
        #[test]
        fn cidrs_never_panic(
            any in proptest::prelude::any::<String>(),
            shaped in "([0-9a-f:.]{0,16}(/[0-9]{0,3})?(, ?)?){0,4}",
        ) {
            let _ = parse_cidrs(&any);
            let _ = parse_cidrs(&shaped);
        }
    }
}

//! A remote outpost's settings, from authentik's environment names so a deployment written for
//! authentik's proxy outpost works unchanged.
use anyhow::{Context, bail};
use ipnetwork::IpNetwork;
use std::net::SocketAddr;
use url::Url;

#[derive(Clone, Debug)]
pub struct RemoteSettings {
    /// `AUTHENTIK_HOST`: where the outpost reaches Ward's API and token endpoints.
    pub host: Url,
    /// `AUTHENTIK_HOST_BROWSER`: where browsers sign in, when not `host` (and the outpost's
    /// config names no `authentik_host_browser`).
    pub host_browser: Option<Url>,
    /// `AUTHENTIK_TOKEN`: the outpost's API token.
    pub token: String,
    /// `AUTHENTIK_INSECURE`: accept any TLS certificate from Ward.
    pub insecure: bool,
    /// `AUTHENTIK_LISTEN__HTTP`, authentik's `0.0.0.0:9000` by default.
    pub listen: SocketAddr,
    /// `AUTHENTIK_LISTEN__TRUSTED_PROXY_CIDRS`: whose forwarded headers are believed.
    pub trusted_proxies: Vec<IpNetwork>,
}

impl std::fmt::Display for RemoteSettings {
    /// The settings without the token, for the start-up log line.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Ward at {}, listening on {}", self.host, self.listen)
    }
}

fn url_of(name: &str, raw: &str) -> anyhow::Result<Url> {
    let u = Url::parse(raw.trim()).with_context(|| format!("{name}: not a URL: {raw}"))?;
    if !["http", "https"].contains(&u.scheme()) || u.host_str().is_none() {
        bail!("{name}: give an http or https URL such as https://ward.example.com, not {raw}");
    }
    Ok(u)
}

impl RemoteSettings {
    pub fn from_env() -> anyhow::Result<Self> {
        Self::from_vars(|name| std::env::var(name).ok().filter(|v| !v.trim().is_empty()))
    }

    pub fn from_vars(var: impl Fn(&str) -> Option<String>) -> anyhow::Result<Self> {
        let Some(host) = var("AUTHENTIK_HOST") else {
            bail!("AUTHENTIK_HOST is not set: give Ward's URL, such as https://ward.example.com");
        };
        let host = url_of("AUTHENTIK_HOST", &host)?;
        let host_browser = var("AUTHENTIK_HOST_BROWSER")
            .map(|h| url_of("AUTHENTIK_HOST_BROWSER", &h))
            .transpose()?;
        let Some(token) = var("AUTHENTIK_TOKEN") else {
            bail!(
                "AUTHENTIK_TOKEN is not set: give the outpost's token (Outposts → Deployment info)"
            );
        };
        let insecure = match var("AUTHENTIK_INSECURE")
            .as_deref()
            .map(str::to_ascii_lowercase)
        {
            None => false,
            Some(v) if v == "true" || v == "1" => true,
            Some(v) if v == "false" || v == "0" => false,
            Some(v) => bail!("AUTHENTIK_INSECURE: expected true or false, got {v}"),
        };
        let listen = var("AUTHENTIK_LISTEN__HTTP").unwrap_or_else(|| "0.0.0.0:9000".into());
        let listen = listen
            .parse()
            .with_context(|| format!("AUTHENTIK_LISTEN__HTTP: not an address: {listen}"))?;
        let cidrs = var("AUTHENTIK_LISTEN__TRUSTED_PROXY_CIDRS")
            .unwrap_or_else(|| crate::config::DEFAULT_TRUSTED.into());
        let trusted_proxies =
            crate::config::parse_cidrs(&cidrs).context("AUTHENTIK_LISTEN__TRUSTED_PROXY_CIDRS")?;
        Ok(Self {
            host,
            host_browser,
            token: token.trim().to_string(),
            insecure,
            listen,
            trusted_proxies,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::collections::HashMap;

    fn from(pairs: &[(&str, &str)]) -> anyhow::Result<RemoteSettings> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        RemoteSettings::from_vars(|k| map.get(k).cloned())
    }

    #[test]
    fn authentiks_names_are_read_and_checked() {
        let s = from(&[
            ("AUTHENTIK_HOST", "https://ward.example.com/"),
            ("AUTHENTIK_TOKEN", " tok "),
            ("AUTHENTIK_INSECURE", "TRUE"),
            ("AUTHENTIK_LISTEN__HTTP", "127.0.0.1:9001"),
        ])
        .expect("settings");
        assert_eq!(s.host.as_str(), "https://ward.example.com/");
        assert_eq!(s.token, "tok");
        assert!(s.insecure);
        assert_eq!(s.listen.port(), 9001);
        assert!(!s.trusted_proxies.is_empty());
        assert!(!s.to_string().contains("tok"), "the token is never logged");

        let missing = from(&[("AUTHENTIK_TOKEN", "t")]).expect_err("no host");
        assert!(missing.to_string().contains("AUTHENTIK_HOST"));
        let no_token = from(&[("AUTHENTIK_HOST", "https://w")]).expect_err("no token");
        assert!(no_token.to_string().contains("AUTHENTIK_TOKEN"));
        let ftp = from(&[("AUTHENTIK_HOST", "ftp://w"), ("AUTHENTIK_TOKEN", "t")]);
        assert!(ftp.is_err());
        let yes = from(&[
            ("AUTHENTIK_HOST", "https://w"),
            ("AUTHENTIK_TOKEN", "t"),
            ("AUTHENTIK_INSECURE", "sure"),
        ]);
        assert!(yes.is_err());
    }

    proptest! {
        #[test]
        fn any_environment_is_read_without_panicking(host in ".{0,80}", listen in ".{0,40}") {
            let _ = from(&[
                ("AUTHENTIK_HOST", &host),
                ("AUTHENTIK_TOKEN", "t"),
                ("AUTHENTIK_LISTEN__HTTP", &listen),
            ]);
        }
    }
}

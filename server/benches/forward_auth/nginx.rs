//! The benchmark's nginx: one process with the three server blocks the figures compare.
use super::FILE;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Ports of the three server blocks.
pub struct Ports {
    /// auth_request → Ward, over kept-alive upstream connections.
    pub ward: u16,
    /// auth_request → `return 204`.
    pub ceiling: u16,
    /// auth_request → Ward with authentik's snippet as documented.
    pub snippet: u16,
}

/// One nginx (master and `auto` workers, in the foreground) serving from a directory of its
/// own; stopped, and the directory removed, on drop.
pub struct Nginx {
    child: Child,
    dir: PathBuf,
    pub ports: Ports,
}

const NGINX_CONF: &str = r#"# The benchmark's nginx: every path inside this directory, no access log.
daemon off;
worker_processes auto;
pid @DIR@/nginx.pid;
error_log @DIR@/error.log warn;
events { worker_connections 1024; }
http {
    access_log off;
    client_body_temp_path @DIR@/client_body;
    proxy_temp_path @DIR@/proxy;
    fastcgi_temp_path @DIR@/fastcgi;
    uwsgi_temp_path @DIR@/uwsgi;
    scgi_temp_path @DIR@/scgi;
    root @DIR@/www;
    map $http_host $ak_http_host {
        default $http_host;
        ''      $host;
    }

    upstream ward {
        server 127.0.0.1:@WARD_PORT@;
        keepalive 64;
    }

    # (1) authentik's snippet, with kept-alive connections to Ward.
    server {
        listen 127.0.0.1:@WARD@;
        location / {
            auth_request     /outpost.goauthentik.io/auth/nginx;
            error_page       401 = @goauthentik_proxy_signin;
            auth_request_set $auth_cookie $upstream_http_set_cookie;
            add_header       Set-Cookie $auth_cookie;
            auth_request_set $authentik_username $upstream_http_x_authentik_username;
            auth_request_set $authentik_groups $upstream_http_x_authentik_groups;
            auth_request_set $authentik_email $upstream_http_x_authentik_email;
            auth_request_set $authentik_name $upstream_http_x_authentik_name;
            auth_request_set $authentik_uid $upstream_http_x_authentik_uid;
            # A static file has no upstream to pass these to: they go back to the client,
            # where the benchmark checks them.
            add_header X-authentik-username $authentik_username;
            add_header X-authentik-groups $authentik_groups;
            add_header X-authentik-email $authentik_email;
            add_header X-authentik-name $authentik_name;
            add_header X-authentik-uid $authentik_uid;
        }
        location /outpost.goauthentik.io {
            proxy_pass              http://ward/outpost.goauthentik.io;
            proxy_http_version      1.1;
            proxy_set_header        Connection "";
            proxy_set_header        Host $ak_http_host;
            proxy_set_header        X-Original-URL $scheme://$ak_http_host$request_uri;
            add_header              Set-Cookie $auth_cookie;
            auth_request_set        $auth_cookie $upstream_http_set_cookie;
            proxy_pass_request_body off;
            proxy_set_header        Content-Length "";
        }
        location @goauthentik_proxy_signin {
            internal;
            add_header Set-Cookie $auth_cookie;
            return 302 /outpost.goauthentik.io/start?rd=$scheme://$ak_http_host$request_uri;
        }
    }

    # (2) The ceiling: the same file behind a check that costs nothing.
    server {
        listen 127.0.0.1:@CEILING@;
        location / {
            auth_request /auth;
        }
        location = /auth {
            internal;
            return 204;
        }
    }

    # (1') authentik's snippet as documented: HTTP/1.0, a new connection per check.
    server {
        listen 127.0.0.1:@SNIPPET@;
        location / {
            auth_request     /outpost.goauthentik.io/auth/nginx;
            error_page       401 = @goauthentik_proxy_signin;
            auth_request_set $authentik_username $upstream_http_x_authentik_username;
            add_header X-authentik-username $authentik_username;
        }
        location /outpost.goauthentik.io {
            proxy_pass              http://127.0.0.1:@WARD_PORT@/outpost.goauthentik.io;
            proxy_set_header        Host $ak_http_host;
            proxy_set_header        X-Original-URL $scheme://$ak_http_host$request_uri;
            proxy_pass_request_body off;
            proxy_set_header        Content-Length "";
        }
        location @goauthentik_proxy_signin {
            internal;
            return 302 /outpost.goauthentik.io/start?rd=$scheme://$ak_http_host$request_uri;
        }
    }
}
"#;

/// A port nobody listens on now (bound, then released; [`Nginx::start`] retries if taken).
fn free_port() -> anyhow::Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port())
}

/// A program from the system: where Debian puts it, else on PATH.
fn program(name: &str) -> String {
    ["/usr/sbin", "/usr/bin"]
        .iter()
        .map(|d| format!("{d}/{name}"))
        .find(|p| Path::new(p).exists())
        .unwrap_or_else(|| name.to_string())
}

impl Nginx {
    pub async fn start(ward_port: u16) -> anyhow::Result<Nginx> {
        for _ in 0..5 {
            let dir = std::env::temp_dir().join(format!(
                "ward-bench-nginx-{}",
                uuid::Uuid::new_v4().simple()
            ));
            std::fs::create_dir_all(dir.join("www"))?;
            // A small page, as a static asset or an app's index would be.
            std::fs::write(
                dir.join("www").join(FILE.trim_start_matches('/')),
                format!(
                    "<!doctype html><title>bench</title>{}\n",
                    "<p>x</p>".repeat(64)
                ),
            )?;
            let ports = Ports {
                ward: free_port()?,
                ceiling: free_port()?,
                snippet: free_port()?,
            };
            let d = dir
                .to_str()
                .ok_or_else(|| anyhow::anyhow!("non-UTF-8 dir"))?;
            let conf = NGINX_CONF
                .replace("@DIR@", d)
                .replace("@WARD_PORT@", &ward_port.to_string())
                .replace("@WARD@", &ports.ward.to_string())
                .replace("@CEILING@", &ports.ceiling.to_string())
                .replace("@SNIPPET@", &ports.snippet.to_string());
            std::fs::write(dir.join("nginx.conf"), conf)?;
            let child = nginx_command(&dir)
                .stdin(Stdio::null())
                .stdout(std::fs::File::create(dir.join("stdout"))?)
                .stderr(std::fs::File::create(dir.join("stderr"))?)
                .spawn()
                .map_err(|e| {
                    anyhow::anyhow!("nginx (scripts/setup.sh --bench installs it): {e}")
                })?;
            let mut nginx = Nginx { child, dir, ports };
            match nginx.ready().await {
                Ok(()) => return Ok(nginx),
                Err(logs) if logs.contains("Address already in use") => continue,
                Err(logs) => anyhow::bail!("nginx did not start: {logs}"),
            }
        }
        anyhow::bail!("nginx: no free ports after 5 tries")
    }

    pub fn logs(&self) -> String {
        ["error.log", "stderr"]
            .iter()
            .map(|f| std::fs::read_to_string(self.dir.join(f)).unwrap_or_default())
            .collect::<Vec<_>>()
            .join("\n")
    }

    /// Waits until every server block answers (anything: the file needs a cookie);
    /// Err(logs) when nginx ended first.
    pub async fn ready(&mut self) -> Result<(), String> {
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(Duration::from_secs(5))
            .build()
            .map_err(|e| e.to_string())?;
        let deadline = Instant::now() + Duration::from_secs(15);
        for port in [self.ports.ward, self.ports.ceiling, self.ports.snippet] {
            let url = format!("http://127.0.0.1:{port}/outpost.goauthentik.io/ping");
            loop {
                if self.child.try_wait().map_err(|e| e.to_string())?.is_some() {
                    return Err(self.logs());
                }
                if http.get(&url).send().await.is_ok() {
                    break;
                }
                if Instant::now() > deadline {
                    return Err(format!("{url} never answered: {}", self.logs()));
                }
                tokio::time::sleep(Duration::from_millis(25)).await;
            }
        }
        Ok(())
    }
}

fn nginx_command(dir: &Path) -> Command {
    let mut cmd = Command::new(program("nginx"));
    cmd.arg("-p")
        .arg(dir)
        .arg("-c")
        .arg(dir.join("nginx.conf"))
        .arg("-e")
        .arg(dir.join("error.log"));
    cmd
}

impl Drop for Nginx {
    fn drop(&mut self) {
        // The master stops its workers; killing it outright would leave them running.
        let stopped = nginx_command(&self.dir)
            .args(["-s", "stop"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        if !stopped {
            let _ = self.child.kill();
        }
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

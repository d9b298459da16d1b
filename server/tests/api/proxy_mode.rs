//! Proxy mode: Ward itself serves the application's external host on its own port, signs the
//! browser in and forwards to the internal host — the echo app, and a websocket echo — with
//! the identity headers added and the client's own dropped.
use crate::helpers::{TestApp, spawn_api};
use crate::proxy_peers::{
    Echo, browser, cookie_value, get, location, protect, seen, set_cookie, sign_in_at_ward,
};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// RFC 6455 §1.3's sample key and the accept value that answers it.
const WS_KEY: &str = "dGhlIHNhbXBsZSBub25jZQ==";
const WS_ACCEPT: &str = "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=";

/// Reads an HTTP head (up to the blank line) from `stream`.
async fn head(stream: &mut TcpStream) -> String {
    let mut buf = Vec::new();
    let mut byte = [0u8; 1];
    while !buf.ends_with(b"\r\n\r\n") && buf.len() < 16 * 1024 {
        if stream.read(&mut byte).await.expect("read") == 0 {
            break;
        }
        buf.push(byte[0]);
    }
    String::from_utf8_lossy(&buf).into_owned()
}

/// A websocket upstream: answers the handshake (telling who the request said it was for in
/// `X-Seen-User`) and then echoes every byte.
async fn websocket_echo() -> std::net::SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind ws");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            tokio::spawn(async move {
                let request = head(&mut stream).await.to_ascii_lowercase();
                let user = request
                    .lines()
                    .find_map(|l| l.strip_prefix("x-authentik-username: "))
                    .unwrap_or("")
                    .trim()
                    .to_string();
                let answer = format!(
                    "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: {WS_ACCEPT}\r\nX-Seen-User: {user}\r\n\r\n"
                );
                if stream.write_all(answer.as_bytes()).await.is_err() {
                    return;
                }
                let mut buf = [0u8; 1024];
                while let Ok(n) = stream.read(&mut buf).await {
                    if n == 0 || stream.write_all(&buf[..n]).await.is_err() {
                        break;
                    }
                }
            });
        }
    });
    addr
}

fn port_of(app: &TestApp) -> String {
    app.address.rsplit(':').next().expect("port").to_string()
}

/// Signs `b` in to `url` on a proxied host: the session cookie's value.
async fn sign_in(b: &TestApp, url: &str, cookie: &str) -> String {
    let res = get(b, url, &[]).await;
    assert_eq!(res.status(), 302, "{:?}", res.text().await);
    let res = sign_in_at_ward(b, &location(&res), "alice").await;
    assert_eq!(res.status(), 302, "{:?}", res.text().await);
    assert_eq!(location(&res), url);
    cookie_value(&set_cookie(&res, cookie))
}

#[tokio::test]
async fn ward_forwards_signed_in_requests_to_the_internal_host_with_the_identity() {
    let app = spawn_api().await;
    app.create_user("alice", crate::proxy_peers::PASSWORD).await;
    let echo = Echo::start().await;
    let port = port_of(&app);
    let external = format!("http://app.test:{port}");
    let p = protect(
        &app,
        "whoami",
        json!({
            "mode": "proxy",
            "external_host": external,
            "internal_host": format!("http://{}", echo.addr),
            "skip_path_regex": "^/public/",
        }),
    )
    .await;
    let b = browser(&app, &["app.test"]);

    // Not signed in: nothing reaches the application but its public paths.
    let public: Value = get(
        &b,
        &format!("{external}/public/a.css"),
        &[("X-authentik-username", "mallory")],
    )
    .await
    .json()
    .await
    .expect("json");
    assert_eq!(public["uri"], "/public/a.css");
    assert_eq!(seen(&public, "x-authentik-username"), None);
    assert_eq!(echo.hits(), 1);

    let url = format!("{external}/private?a=1");
    let value = sign_in(&b, &url, &p.cookie).await;
    assert_eq!(echo.hits(), 1, "the sign-in never reached the application");

    // Signed in: the request, its query and body, with the identity and not the forgery.
    let res = b
        .client
        .post(&url)
        .header("X-authentik-username", "mallory")
        .header("X-authentik-groups", "admins")
        .body("field=value")
        .send()
        .await
        .expect("post");
    assert_eq!(res.status(), 200);
    assert!(
        res.headers().get("content-security-policy").is_none(),
        "Ward's own headers"
    );
    let echoed: Value = res.json().await.expect("json");
    assert_eq!(echoed["method"], "POST");
    assert_eq!(echoed["uri"], "/private?a=1");
    assert_eq!(
        seen(&echoed, "x-authentik-username").as_deref(),
        Some("alice")
    );
    assert_eq!(seen(&echoed, "x-authentik-groups").as_deref(), Some(""));
    assert_eq!(
        seen(&echoed, "x-authentik-email").as_deref(),
        Some("alice@example.com")
    );
    assert_eq!(
        seen(&echoed, "x-forwarded-host").as_deref(),
        Some(format!("app.test:{port}").as_str())
    );
    assert_eq!(seen(&echoed, "x-forwarded-proto").as_deref(), Some("http"));
    assert_eq!(echo.hits(), 2);

    // A tampered cookie is a sign-in, never the application.
    // The secret's last hex digit changed (whatever it was).
    let (kept, last) = value.split_at(value.len() - 1);
    let flipped = if last == "0" { "1" } else { "0" };
    let forged = format!("{}={kept}{flipped}", p.cookie);
    let stranger = browser(&app, &["app.test"]);
    let res = get(&stranger, &url, &[("Cookie", &forged)]).await;
    assert_eq!(res.status(), 302);
    assert!(location(&res).contains("/application/o/authorize/"));
    assert_eq!(echo.hits(), 2);

    // Ward's own pages stay Ward's on its own host.
    let own = app.get("/-/health/live/").await;
    assert_eq!(own.status(), 200);
    assert_eq!(echo.hits(), 2);
}

#[tokio::test]
async fn websockets_pass_through_with_the_identity() {
    let app = spawn_api().await;
    app.create_user("alice", crate::proxy_peers::PASSWORD).await;
    let ws = websocket_echo().await;
    let port = port_of(&app);
    let external = format!("http://ws.test:{port}");
    let p = protect(
        &app,
        "chat",
        json!({
            "mode": "proxy",
            "external_host": external,
            "internal_host": format!("http://{ws}"),
        }),
    )
    .await;
    let b = browser(&app, &["ws.test"]);
    let value = sign_in(&b, &format!("{external}/"), &p.cookie).await;

    let mut stream = TcpStream::connect(format!("127.0.0.1:{port}"))
        .await
        .expect("connect");
    let handshake = format!(
        "GET /socket HTTP/1.1\r\nHost: ws.test:{port}\r\nCookie: {}={value}\r\nX-authentik-username: mallory\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: {WS_KEY}\r\nSec-WebSocket-Version: 13\r\n\r\n",
        p.cookie
    );
    stream
        .write_all(handshake.as_bytes())
        .await
        .expect("handshake");
    let answer = head(&mut stream).await;
    assert!(answer.starts_with("HTTP/1.1 101"), "{answer}");
    let lower = answer.to_ascii_lowercase();
    assert!(
        lower.contains(&format!(
            "sec-websocket-accept: {}",
            WS_ACCEPT.to_ascii_lowercase()
        )),
        "{answer}"
    );
    assert!(lower.contains("x-seen-user: alice"), "{answer}");
    // Bytes both ways through the tunnel.
    for message in [&b"\x81\x05hello"[..], &b"\x81\x05world"[..]] {
        stream.write_all(message).await.expect("send");
        let mut back = vec![0u8; message.len()];
        tokio::time::timeout(
            std::time::Duration::from_secs(5),
            stream.read_exact(&mut back),
        )
        .await
        .expect("in time")
        .expect("echo");
        assert_eq!(back, message);
    }

    // Without a session the upgrade is a sign-in redirect, not a tunnel.
    let mut stream = TcpStream::connect(format!("127.0.0.1:{port}"))
        .await
        .expect("connect");
    let anonymous = format!(
        "GET /socket HTTP/1.1\r\nHost: ws.test:{port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: {WS_KEY}\r\nSec-WebSocket-Version: 13\r\n\r\n"
    );
    stream
        .write_all(anonymous.as_bytes())
        .await
        .expect("handshake");
    let answer = head(&mut stream).await;
    assert!(answer.starts_with("HTTP/1.1 302"), "{answer}");
}

//! Request bodies are bounded (1 MiB on every route): a larger one gets 413 before it is read.
use crate::helpers::spawn_app;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// Sends `head` (and then `body`, as far as the server reads it) on a raw connection and returns
/// what the server answered. A server that waited for the whole body would time out here.
async fn raw(address: &str, head: String, body: Vec<u8>) -> String {
    let addr = address.trim_start_matches("http://");
    let mut stream = TcpStream::connect(addr).await.expect("connect");
    stream.write_all(head.as_bytes()).await.expect("head");
    // The body goes in its own task: a server that answers without reading it closes early.
    let (mut read, mut write) = stream.into_split();
    let sender = tokio::spawn(async move {
        for chunk in body.chunks(64 * 1024) {
            if write.write_all(chunk).await.is_err() {
                break;
            }
        }
    });
    let mut answer = Vec::new();
    let mut buf = [0u8; 4096];
    let read_all = async {
        loop {
            match read.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => {
                    answer.extend_from_slice(&buf[..n]);
                    if String::from_utf8_lossy(&answer).contains("1 MiB.") {
                        break;
                    }
                }
            }
        }
    };
    tokio::time::timeout(Duration::from_secs(20), read_all)
        .await
        .expect("an answer without reading the whole body");
    sender.abort();
    String::from_utf8_lossy(&answer).into_owned()
}

#[tokio::test]
async fn ten_mib_to_a_server_function_is_refused_before_it_is_read() {
    let app = spawn_app().await;
    let host = app.address.trim_start_matches("http://").to_string();
    // The headers announce 10 MiB; none of it is sent: the answer must not wait for it.
    let head = format!(
        "POST /-/fn/flow/load HTTP/1.1\r\nHost: {host}\r\n\
         Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\r\n",
        10 * 1024 * 1024
    );
    let answer = raw(&app.address, head, Vec::new()).await;
    assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");
    assert!(
        answer.contains("The request body is larger than 1 MiB."),
        "{answer}"
    );
    let events = app.events("suspicious_request").await;
    assert_eq!(events.len(), 1, "{events:?}");
    assert_eq!(events[0].2["reason"], "request body over the limit");
    assert_eq!(events[0].2["path"], "/-/fn/flow/load");
    assert_eq!(events[0].2["content_length"], 10 * 1024 * 1024);
}

#[tokio::test]
async fn a_chunked_body_is_cut_at_the_limit() {
    let app = spawn_app().await;
    let host = app.address.trim_start_matches("http://").to_string();
    let head = format!(
        "POST /-/fn/flow/load HTTP/1.1\r\nHost: {host}\r\n\
         Content-Type: application/x-www-form-urlencoded\r\nTransfer-Encoding: chunked\r\n\r\n"
    );
    // 2 MiB in 64 KiB chunks, then the end.
    let mut body = Vec::new();
    for _ in 0..32 {
        body.extend_from_slice(format!("{:x}\r\n", 64 * 1024).as_bytes());
        body.extend(std::iter::repeat_n(b'a', 64 * 1024));
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(b"0\r\n\r\n");
    let answer = raw(&app.address, head, body).await;
    assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");
    let events = app.events("suspicious_request").await;
    assert_eq!(events.len(), 1, "{events:?}");
    assert!(events[0].2["content_length"].is_null());
}

#[tokio::test]
async fn bodies_under_the_limit_reach_their_handler() {
    let app = spawn_app().await;
    // Just under 1 MiB, chunked and with a length: the server function answers (the padding
    // is an unknown field it ignores), nothing is refused as too large.
    let padding = "a".repeat(1024 * 1024 - 100);
    let form = [
        ("slug", "default-authentication-flow"),
        ("pad", padding.as_str()),
    ];
    let res = app.server_fn("flow/load", &form).await;
    assert_eq!(res.status(), 200);
    let body: serde_json::Value = res.json().await.expect("json");
    assert_eq!(
        body["Found"]["challenge"]["component"], "identification",
        "{body}"
    );
    assert!(app.events("suspicious_request").await.is_empty());
}

//! The device authorization grant (RFC 8628): codes for the device, the code entered at
//! `/device` by a signed-in person, the device's polls.
use crate::helpers::spawn_api;
use crate::oauth2_oidc::{SECRET, oauth_app};
use reqwest::StatusCode;
use serde_json::{Value, json};

#[tokio::test]
async fn a_device_is_approved_at_slash_device_and_gets_its_tokens_once() {
    let app = spawn_api().await;
    app.create_user("alice", "alice password 123").await;
    let id = oauth_app(&app, "tv", json!({})).await;
    let http = app.new_browser().client;
    let start: Value = http
        .post(app.url("/application/o/device/"))
        .basic_auth(&id, Some(SECRET))
        .form(&[("scope", "openid profile")])
        .send()
        .await
        .expect("device")
        .json()
        .await
        .expect("json");
    let device_code = start["device_code"]
        .as_str()
        .expect("device code")
        .to_string();
    let user_code = start["user_code"].as_str().expect("user code").to_string();
    assert_eq!(start["verification_uri"], app.url("/device"));
    assert_eq!(start["interval"], 5);
    let poll = || {
        let http = http.clone();
        let (url, id, device_code) = (
            app.url("/application/o/token/"),
            id.clone(),
            device_code.clone(),
        );
        async move {
            let res = http
                .post(url)
                .basic_auth(&id, Some(SECRET))
                .form(&[
                    ("grant_type", "urn:ietf:params:oauth:grant-type:device_code"),
                    ("device_code", device_code.as_str()),
                ])
                .send()
                .await
                .expect("poll");
            let status = res.status();
            (status, res.json::<Value>().await.expect("json"))
        }
    };
    let (status, body) = poll().await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::BAD_REQUEST, Some("authorization_pending"))
    );
    let (_, body) = poll().await;
    assert_eq!(
        body["error"], "slow_down",
        "polling faster than the interval"
    );

    // The person: not signed in, /device sends them to the login flow and back.
    let browser = app.new_browser();
    let res = browser.get(&format!("/device?code={user_code}")).await;
    assert_eq!(res.status(), StatusCode::FOUND);
    assert!(
        res.headers()["location"]
            .to_str()
            .expect("loc")
            .contains("next=%2Fdevice%3Fcode%3D")
    );
    browser.login("alice", "alice password 123").await;
    let page = browser.get("/device").await.text().await.expect("page");
    assert!(page.contains("id=\"device-code\""), "{page}");
    let page = browser
        .get("/device?code=00000000")
        .await
        .text()
        .await
        .expect("page");
    assert!(page.contains("device-error"), "{page}");
    let typed = format!("{}-{}", &user_code[..4], &user_code[4..]);
    let page = browser
        .get(&format!("/device?code={typed}"))
        .await
        .text()
        .await
        .expect("page");
    assert!(
        page.contains("device-done") && page.contains("alice"),
        "{page}"
    );

    let (status, body) = poll().await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(body["id_token"].is_string() && body["access_token"].is_string());
    assert!(
        body.get("refresh_token").is_none(),
        "no offline_access asked"
    );
    let (_, again) = poll().await;
    assert_eq!(again["error"], "invalid_grant", "used once");
}

#[tokio::test]
async fn clients_without_the_device_grant_are_refused() {
    let app = spawn_api().await;
    let id = oauth_app(&app, "tv", json!({ "grant_types": ["authorization_code"] })).await;
    let res = app
        .client
        .post(app.url("/application/o/device/"))
        .basic_auth(&id, Some(SECRET))
        .send()
        .await
        .expect("device");
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    let body: Value = res.json().await.expect("json");
    assert_eq!(body["error"], "unauthorized_client");
}

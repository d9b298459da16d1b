//! The device authorization grant (RFC 8628): codes for the device, `/device` and the brand's
//! device code flow where a signed-in person enters the code, the provider's authorization flow
//! (consent) that approves it, the device's polls.
use crate::helpers::{ADMIN_PASSWORD, TestApp, spawn_api};
use crate::oauth2_oidc::{SECRET, oauth_app};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

const DEVICE_FLOW: &str = "default-device-code-flow";
const EXPLICIT: &str = "default-provider-authorization-explicit-consent";
const IMPLICIT: &str = "default-provider-authorization-implicit-consent";

/// A device's start: (device code, user code).
async fn start_device(app: &TestApp, client_id: &str) -> (String, String) {
    let start: Value = app
        .client
        .post(app.url("/application/o/device/"))
        .basic_auth(client_id, Some(SECRET))
        .form(&[("scope", "openid profile")])
        .send()
        .await
        .expect("device")
        .json()
        .await
        .expect("json");
    assert_eq!(start["verification_uri"], app.url("/device"), "{start}");
    assert_eq!(start["interval"], 5);
    let user_code = start["user_code"].as_str().expect("user code").to_string();
    assert_eq!(
        start["verification_uri_complete"],
        app.url(&format!("/device?code={user_code}"))
    );
    let device_code = start["device_code"].as_str().expect("device code");
    (device_code.to_string(), user_code)
}

/// The device's poll of the token endpoint.
async fn poll(app: &TestApp, client_id: &str, device_code: &str) -> (StatusCode, Value) {
    let res = app
        .client
        .post(app.url("/application/o/token/"))
        .basic_auth(client_id, Some(SECRET))
        .form(&[
            ("grant_type", "urn:ietf:params:oauth:grant-type:device_code"),
            ("device_code", device_code),
        ])
        .send()
        .await
        .expect("poll");
    let status = res.status();
    (status, res.json::<Value>().await.expect("json"))
}

/// The user code with one digit changed: a code no device waits for.
fn wrong(code: &str) -> String {
    let first = if code.starts_with('9') { '0' } else { '9' };
    format!("{first}{}", &code[1..])
}

/// Where a GET sends the browser.
async fn location(browser: &TestApp, path: &str) -> String {
    let res = browser.get(path).await;
    assert_eq!(res.status(), StatusCode::FOUND, "{path}");
    res.headers()["location"].to_str().expect("loc").to_string()
}

async fn flow_pk(app: &TestApp, slug: &str) -> String {
    let flow = app
        .admin_api(Method::GET, &format!("/flows/instances/{slug}/"), None)
        .await;
    flow["pk"].as_str().expect("pk").to_string()
}

#[tokio::test]
async fn a_device_is_approved_through_the_device_code_flow_and_gets_its_tokens_once() {
    let app = spawn_api().await;
    app.create_user("alice", "alice password 123").await;
    let consent = json!({ "authorization_flow": flow_pk(&app, EXPLICIT).await });
    let id = oauth_app(&app, "tv", consent).await;
    let (device_code, user_code) = start_device(&app, &id).await;
    let (status, body) = poll(&app, &id, &device_code).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::BAD_REQUEST, Some("authorization_pending"))
    );
    let (_, body) = poll(&app, &id, &device_code).await;
    assert_eq!(
        body["error"], "slow_down",
        "polling faster than the interval"
    );

    // The person: not signed in, /device sends them to the login flow and back.
    let browser = app.new_browser();
    let to = location(&browser, "/device").await;
    assert_eq!(
        to, "/if/flow/default-authentication-flow/?next=%2Fdevice",
        "{to}"
    );
    browser.login("alice", "alice password 123").await;
    // Signed in: the brand's device code flow, with the code entry at its end.
    let to = location(&browser, "/device").await;
    assert_eq!(to, format!("/if/flow/{DEVICE_FLOW}/"));
    let view = browser.load_flow(DEVICE_FLOW, &[]).await;
    assert_eq!(
        view["Found"]["challenge"]["component"], "device_code",
        "{view}"
    );
    assert_eq!(view["Found"]["title"], "Sign in a device");
    let html = browser.html(&app.url(&to)).await;
    assert!(
        html.contains(r#"name="fields[code]""#) && html.contains(r#"inputmode="numeric""#),
        "{html}"
    );

    // A code no device waits for: authentik's message beside the field, and an event.
    let view = browser
        .submit(DEVICE_FLOW, &[("code", &wrong(&user_code))])
        .await;
    assert_eq!(view["challenge"]["component"], "device_code", "{view}");
    assert_eq!(view["errors"]["code"], "Invalid code", "{view}");
    let events = app.events("suspicious_request").await;
    assert!(
        events.iter().any(|(user, _, ctx)| user == "alice"
            && ctx["reason"] == "invalid device code"
            && ctx["flow"] == DEVICE_FLOW),
        "{events:?}"
    );
    let view = browser.submit(DEVICE_FLOW, &[("code", "")]).await;
    assert_eq!(view["errors"]["code"], "Please enter the code.", "{view}");

    // The right code, typed with a dash: on to the provider's authorization flow (consent).
    let typed = format!("{}-{}", &user_code[..4], &user_code[4..]);
    let view = browser.submit(DEVICE_FLOW, &[("code", &typed)]).await;
    assert_eq!(
        view["challenge"],
        json!({ "component": "redirect", "to": format!("/if/flow/{EXPLICIT}/") }),
        "{view}"
    );
    let view = browser.load_flow(EXPLICIT, &[]).await;
    let view = &view["Found"];
    assert_eq!(view["challenge"]["component"], "consent", "{view}");
    assert_eq!(view["challenge"]["application"], "tv");
    assert_eq!(view["title"], "Redirecting to tv");
    let approved: i64 = sqlx::query_scalar(
        "select count(*) from oauth2_device_codes where approved_at is not null",
    )
    .fetch_one(&app.pool)
    .await
    .expect("count");
    assert_eq!(approved, 0, "not before consent");
    let view = browser.submit(EXPLICIT, &[]).await;
    assert_eq!(
        view["challenge"],
        json!({ "component": "device_code_finish", "application": "tv" }),
        "{view}"
    );
    let html = browser
        .html(&app.url(&format!("/if/flow/{EXPLICIT}/")))
        .await;
    assert!(
        html.contains(r#"id="device-done""#) && html.contains("tv"),
        "{html}"
    );
    let approved = app.events("authorize_application").await;
    assert!(
        approved
            .iter()
            .any(|(user, _, ctx)| user == "alice" && ctx["application"] == "tv"),
        "{approved:?}"
    );

    // The device's next poll gets its tokens, once.
    let (status, body) = poll(&app, &id, &device_code).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(body["id_token"].is_string() && body["access_token"].is_string());
    assert!(
        body.get("refresh_token").is_none(),
        "no offline_access asked"
    );
    let (_, again) = poll(&app, &id, &device_code).await;
    assert_eq!(again["error"], "invalid_grant", "used once");
}

#[tokio::test]
async fn the_code_in_the_url_skips_the_entry_and_a_wrong_one_falls_back_to_it() {
    let app = spawn_api().await;
    app.create_user("alice", "alice password 123").await;
    let id = oauth_app(&app, "tv", json!({})).await;
    let (device_code, user_code) = start_device(&app, &id).await;

    let browser = app.new_browser();
    let complete = format!("/device?code={user_code}");
    let to = location(&browser, &complete).await;
    assert!(to.contains("next=%2Fdevice%3Fcode%3D"), "{to}");
    browser.login("alice", "alice password 123").await;

    // A wrong code in the URL: counted, and the code entry instead (as authentik).
    let to = location(&browser, &format!("/device?code={}", wrong(&user_code))).await;
    assert_eq!(to, format!("/if/flow/{DEVICE_FLOW}/"));
    let events = app.events("suspicious_request").await;
    assert!(
        events
            .iter()
            .any(|(_, _, ctx)| ctx["reason"] == "invalid device code" && ctx["flow"] == "/device"),
        "{events:?}"
    );

    // The right one: straight to the provider's authorization flow, which approves the device
    // at once (implicit consent).
    let to = location(&browser, &complete).await;
    assert_eq!(to, format!("/if/flow/{IMPLICIT}/"));
    let html = browser.html(&app.url(&to)).await;
    assert!(
        html.contains(r#"id="device-done""#) && html.contains("tv"),
        "{html}"
    );
    let (status, body) = poll(&app, &id, &device_code).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(body["access_token"].is_string(), "{body}");

    // Used: the same link now leads to the code entry.
    let to = location(&browser, &complete).await;
    assert_eq!(to, format!("/if/flow/{DEVICE_FLOW}/"));

    // The entry without JavaScript: a plain form post, and the server's redirects.
    let (second_device, second_code) = start_device(&app, &id).await;
    let page = app.url(&to);
    let html = browser.html(&page).await;
    assert!(html.contains(r#"action="/-/fn/flow/submit""#), "{html}");
    let res = browser
        .client
        .post(app.url("/-/fn/flow/submit"))
        .header("Accept", "text/html")
        .header("Referer", &page)
        .header("Origin", &app.address)
        .form(&[("slug", DEVICE_FLOW), ("fields[code]", &second_code)])
        .send()
        .await
        .expect("post");
    assert_eq!(res.status(), StatusCode::FOUND);
    assert_eq!(res.headers()["location"], format!("/if/flow/{IMPLICIT}/"));
    let html = browser
        .html(&app.url(&format!("/if/flow/{IMPLICIT}/")))
        .await;
    assert!(html.contains(r#"id="device-done""#), "{html}");
    let (status, body) = poll(&app, &id, &second_device).await;
    assert_eq!(status, StatusCode::OK, "{body}");
}

#[tokio::test]
async fn guessing_codes_is_throttled_even_the_right_one() {
    let app = spawn_api().await;
    app.create_user("mallory", "mallory password 1").await;
    let id = oauth_app(&app, "tv", json!({})).await;
    let (device_code, user_code) = start_device(&app, &id).await;
    let browser = app.new_browser();
    browser.login("mallory", "mallory password 1").await;
    assert_eq!(
        location(&browser, "/device").await,
        format!("/if/flow/{DEVICE_FLOW}/")
    );
    browser.load_flow(DEVICE_FLOW, &[]).await;
    let mut throttled = None;
    for n in 0..12 {
        let guess = format!("{:08}", 10_000_000 + n);
        let guess = if guess == user_code {
            wrong(&guess)
        } else {
            guess
        };
        let view = browser.submit(DEVICE_FLOW, &[("code", &guess)]).await;
        let message = view["errors"]["code"].as_str().expect("error").to_string();
        if message.starts_with("Too many failed sign-in attempts") {
            throttled = Some(n);
            break;
        }
        assert_eq!(message, "Invalid code", "{view}");
    }
    assert!(
        throttled.is_some_and(|n| n >= 4),
        "throttled after the free tries: {throttled:?}"
    );
    // While the delay runs, even the right code is not checked.
    let view = browser.submit(DEVICE_FLOW, &[("code", &user_code)]).await;
    let message = view["errors"]["code"].as_str().expect("error");
    assert!(
        message.starts_with("Too many failed sign-in attempts"),
        "{view}"
    );
    let (_, body) = poll(&app, &id, &device_code).await;
    assert_eq!(body["error"], "authorization_pending");
    let events = app.events("suspicious_request").await;
    assert!(
        events
            .iter()
            .any(|(_, _, ctx)| ctx["throttled"]["retry_after"].is_u64()),
        "{events:?}"
    );
}

#[tokio::test]
async fn brands_without_a_device_code_flow_answer_404() {
    let app = spawn_api().await;
    let admin = app.new_browser();
    admin.login("akadmin", ADMIN_PASSWORD).await;
    let brands = admin.ok_fn("admin/brands/list", json!({})).await;
    let default = brands
        .as_array()
        .expect("brands")
        .iter()
        .find(|b| b["form"]["is_default"] == json!(true))
        .expect("default brand")
        .clone();
    assert_eq!(
        default["form"]["flow_device_code"], DEVICE_FLOW,
        "set on the default brand"
    );
    // A new brand starts without one, as in authentik; a slug must name a flow.
    let form = json!({ "domain": "tv.example", "title": "TV", "flow_device_code": "no-such-flow" });
    let saved = admin
        .ok_fn("admin/brands/save", json!({ "id": "", "form": form }))
        .await;
    assert_eq!(
        saved["Invalid"]["flow_device_code"], "No flow with this slug.",
        "{saved}"
    );
    let form = json!({ "domain": "tv.example", "title": "TV" });
    let saved = admin
        .ok_fn("admin/brands/save", json!({ "id": "", "form": form }))
        .await;
    assert_eq!(saved["Ok"]["form"]["flow_device_code"], "", "{saved}");

    for path in ["/device", "/device?code=12345678"] {
        let res = app
            .client
            .get(app.url(path))
            .header("Host", "tv.example")
            .send()
            .await
            .expect("device");
        assert_eq!(res.status(), StatusCode::NOT_FOUND, "{path}");
        let body = res.text().await.expect("body");
        assert!(
            body.contains("no device code flow is configured for this brand"),
            "{body}"
        );
    }

    // Turned off on the default brand: 404 there too, signed in or not.
    let mut form = default["form"].clone();
    form["flow_device_code"] = json!("");
    let saved = admin
        .ok_fn(
            "admin/brands/save",
            json!({ "id": default["id"], "form": form }),
        )
        .await;
    assert_eq!(saved["Ok"]["form"]["flow_device_code"], "", "{saved}");
    for browser in [&app, &admin] {
        let res = browser.get("/device").await;
        assert_eq!(res.status(), StatusCode::NOT_FOUND);
        let body = res.text().await.expect("body");
        assert!(body.contains("Devices cannot be signed in here"), "{body}");
    }
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

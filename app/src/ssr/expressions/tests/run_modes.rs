//! Runs without pauses start over with pauses when they reach for the host, so results do not
//! depend on which way an expression ran; and what the prelude gives reads as authentik's.
use super::*;
use serde_json::json;

#[tokio::test]
async fn a_host_call_caught_by_the_body_still_reaches_the_host() {
    let src = r#"
try:
    found = ak_user_by(username="bob")
except Exception:
    return "caught"
return found.username
"#;
    assert_eq!(value(src).await, json!("bob"));
}

#[tokio::test]
async fn addresses_known_only_at_run_time_are_parsed_by_the_host() {
    let src = r#"
text = "192.168." + "1.1"
return [ip_address(text).is_private, str(ip_network(text + "/32")), ip_address(request.http_request.META["REMOTE_ADDR"]).version]
"#;
    assert_eq!(value(src).await, json!([true, "192.168.1.1/32", 4]));
}

#[tokio::test]
async fn an_invalid_literal_address_raises_where_the_body_wrote_it() {
    let err = eval("x = 1\nreturn ip_network(\"10.0.0.1/8\")")
        .await
        .expect_err("host bits set");
    assert!(
        matches!(&err, EvalError::Exception { kind, line: Some(2), .. } if kind == "ValueError"),
        "{err:?}"
    );
}

#[tokio::test]
async fn header_names_read_in_djangos_case_whatever_the_client_sent() {
    let mut ctx = ctx_for(Some(alice()), "10.1.2.3");
    ctx.http.headers = [("x-forwarded-proto".to_owned(), "https".to_owned())].into();
    let src = r#"return [request.http_request.headers["X-Forwarded-Proto"], request.http_request.META["HTTP_X_FORWARDED_PROTO"]]"#;
    let outcome = eval_with(src, &ctx).await.expect("headers");
    assert_eq!(outcome.value, json!(["https", "https"]));
}

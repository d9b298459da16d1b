//! The issue's examples, copied as written, plus authentik's other names.
use super::*;

#[tokio::test]
async fn group_filter_exists() {
    let src = r#"return user.groups.filter(name="Admins").exists()"#;
    let admin = eval_with(src, &ctx_for(Some(alice()), "10.0.0.1")).await;
    assert!(admin.expect("alice").truthy());
    let other = eval_with(src, &ctx_for(Some(bob()), "10.0.0.1")).await;
    assert!(!other.expect("bob").truthy());
}

#[tokio::test]
async fn datetime_now_reads_the_injected_clock() {
    let src = "import datetime\nnow = datetime.datetime.now()\nreturn 9 <= now.hour < 17";
    for (hour, expected) in [(8, false), (9, true), (16, true), (17, false), (23, false)] {
        let mut ctx = ctx_for(Some(alice()), "10.0.0.1");
        ctx.now = time::macros::datetime!(2026-12-04 00:30 +01:00)
            .replace_hour(hour)
            .expect("hour");
        let outcome = eval_with(src, &ctx).await.expect("evaluates");
        assert_eq!(outcome.truthy(), expected, "hour {hour}");
    }
    // With the real clock it agrees with the same check done in Rust.
    let ctx = ctx_for(Some(alice()), "10.0.0.1");
    let expected = (9..17).contains(&ctx.now.hour());
    assert_eq!(eval_with(src, &ctx).await.expect("now").truthy(), expected);
}

#[tokio::test]
async fn context_ip_not_in_list() {
    let src = r#"return request.context.get("ip") not in ["192.168.1.100", "10.0.0.50"]"#;
    for (ip, expected) in [
        ("192.168.1.100", false),
        ("10.0.0.50", false),
        ("1.2.3.4", true),
    ] {
        let mut ctx = ctx_for(Some(alice()), "10.0.0.1");
        ctx.context.insert("ip".into(), json!(ip));
        assert_eq!(
            eval_with(src, &ctx).await.expect(ip).truthy(),
            expected,
            "{ip}"
        );
    }
    let without = eval_with(src, &ctx_for(None, "10.0.0.1")).await;
    assert!(without.expect("no ip").truthy());
}

#[tokio::test]
async fn group_member_and_client_network() {
    let src = r#"return ak_is_group_member(request.user, name="finance") and ip_address(request.http_request.META.get("REMOTE_ADDR")) in ip_network("10.0.0.0/8")"#;
    let cases = [
        (alice(), "10.1.2.3", true),
        (alice(), "192.168.0.1", false),
        (bob(), "10.1.2.3", false),
    ];
    for (user, ip, expected) in cases {
        let ctx = ctx_for(Some(user), ip);
        assert_eq!(eval_with(src, &ctx).await.expect(ip).truthy(), expected);
    }
}

#[tokio::test]
async fn group_names_as_a_mapping() {
    let src = r#"return {"groups": [g.name for g in request.user.ak_groups.all()]}"#;
    assert_eq!(value(src).await, json!({ "groups": ["finance", "Admins"] }));
}

#[tokio::test]
async fn user_fields_and_group_attributes() {
    assert_eq!(
        value("return [user.username, user.email, user.name, user.pk, user.is_active, user.is_superuser, user.uid]").await,
        json!(["alice", "alice@example.com", "ALICE", 7, true, false, "uid-alice"])
    );
    assert_eq!(value("return user.attributes['level']").await, json!(3));
    assert_eq!(
        value("return user.group_attributes()").await,
        json!({ "team": "Admins" })
    );
    assert_eq!(
        value(r#"return user.ak_groups.filter(name__in=["finance", "x"]).count()"#).await,
        json!(1)
    );
    assert_eq!(
        value("return user.ak_groups.filter(pk=2).first().name").await,
        json!("Admins")
    );
    assert_eq!(value("return request.user == user").await, json!(true));
}

#[tokio::test]
async fn anonymous_request() {
    let ctx = ctx_for(None, "10.0.0.1");
    let outcome = eval_with(
        "return [request.user.is_authenticated, request.user.username]",
        &ctx,
    )
    .await
    .expect("anonymous");
    assert_eq!(outcome.value, json!([false, ""]));
}

#[tokio::test]
async fn http_request_and_context_objects() {
    let mut ctx = ctx_for(Some(alice()), "2001:db8::1");
    ctx.pending_user = Some(bob());
    ctx.application = Some(json!({ "slug": "grafana", "name": "Grafana" }));
    ctx.context
        .insert("prompt_data".into(), json!({ "email": "x@example.com" }));
    let src = r#"
r = request.http_request
return [r.META["REMOTE_ADDR"], r.headers["User-Agent"], r.META["HTTP_USER_AGENT"], r.path,
        r.get_host(), request.context["pending_user"].username,
        request.context["application"].slug, request.context["prompt_data"]["email"],
        str(ak_client_ip), ak_client_ip.is_private]
"#;
    let outcome = eval_with(src, &ctx).await.expect("request");
    assert_eq!(
        outcome.value,
        json!([
            "2001:db8::1",
            "test",
            "test",
            "/if/flow/login/",
            "auth.example.com",
            "bob",
            "grafana",
            "x@example.com",
            "2001:db8::1",
            true
        ])
    );
}

#[tokio::test]
async fn messages_and_logs_are_collected() {
    let src = "ak_message('denied: wrong network')\nak_logger.info('checked', user=user.username)\nprint('hello')\nreturn False";
    let outcome = eval(src).await.expect("runs");
    assert!(!outcome.truthy());
    assert_eq!(outcome.messages, vec!["denied: wrong network"]);
    assert_eq!(outcome.logs, vec!["info: checked user='alice'", "hello"]);
}

#[tokio::test]
async fn host_lookups() {
    assert_eq!(
        value(r#"return ak_user_by(username="bob").email"#).await,
        json!("bob@example.com")
    );
    assert_eq!(
        value(r#"return ak_user_by(username="nobody")"#).await,
        json!(null)
    );
    assert_eq!(
        value(
            r#"r = ak_call_policy("always")
return [r.passing, r.messages]"#
        )
        .await,
        json!([true, ["fine"]])
    );
    let missing = eval(r#"return ak_call_policy("missing")"#).await;
    assert!(
        matches!(missing, Err(EvalError::Exception { .. })),
        "{missing:?}"
    );
}

#[tokio::test]
async fn allowed_imports_and_helpers() {
    let src = r#"
import re
import ipaddress
from ipaddress import ip_network as net
from datetime import timedelta
ok = ipaddress.ip_address("192.168.1.5") in net("192.168.0.0/16")
return [ok, re.sub("a", "b", "aa"), regex_match("abc", "^a"), regex_replace("abc", "b", "x"),
        timedelta(hours=1).total_seconds(), ip_address("::1") in ip_network("10.0.0.0/8"),
        list_flatten(["x", "y"])]
"#;
    assert_eq!(
        value(src).await,
        json!([true, "bb", true, "axc", 3600.0, false, "x"])
    );
    let bad = eval(r#"return ip_address("not-an-ip")"#).await;
    assert!(
        matches!(&bad, Err(EvalError::Exception { kind, line: Some(1), .. }) if kind == "ValueError"),
        "{bad:?}"
    );
}

#[tokio::test]
async fn runtime_errors_name_the_line() {
    let err = eval("x = 1\nreturn x / 0")
        .await
        .expect_err("divides by zero");
    match err {
        EvalError::Exception { kind, line, .. } => {
            assert_eq!(kind, "ZeroDivisionError");
            assert_eq!(line, Some(2));
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn truthiness_follows_python() {
    for (src, expected) in [
        ("return 0", false),
        ("return ''", false),
        ("return []", false),
        ("return {}", false),
        ("return None", false),
        ("pass", false),
        ("return 'x'", true),
        ("return [0]", true),
        ("return 2", true),
        ("return user", true),
    ] {
        assert_eq!(eval(src).await.expect(src).truthy(), expected, "{src}");
    }
}

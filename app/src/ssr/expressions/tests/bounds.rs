//! The sandbox's walls: time, memory, result size, imports, files, syntax errors.
use super::*;
use std::time::{Duration, Instant};

#[tokio::test]
async fn endless_loop_ends_with_a_timeout() {
    let started = Instant::now();
    let err = eval("while True: pass").await.expect_err("never returns");
    assert!(matches!(err, EvalError::Timeout(_)), "{err:?}");
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn huge_values_are_refused() {
    for src in [
        r#"return "x" * 10**10"#,
        "return [0] * 10**9",
        "return 2 ** 10**9",
    ] {
        let err = eval(src).await.expect_err(src);
        assert!(matches!(err, EvalError::TooLarge(_)), "{src}: {err:?}");
    }
}

#[tokio::test]
async fn growth_in_a_loop_is_bounded() {
    for src in [
        "l = []\nwhile True:\n    l.append('x' * 1000)",
        "l = []\nwhile True:\n    l.append(len(l))",
        "s = 'x'\nwhile True:\n    s = s + s",
        "d = {}\ni = 0\nwhile True:\n    d[i] = [i] * 100\n    i += 1",
    ] {
        let started = Instant::now();
        let err = eval(src).await.expect_err(src);
        assert!(
            matches!(err, EvalError::Timeout(_) | EvalError::TooLarge(_)),
            "{src}: {err:?}"
        );
        assert!(started.elapsed() < Duration::from_secs(2), "{src}");
    }
}

#[tokio::test]
async fn large_results_are_refused() {
    let err = eval(r#"return "x" * 2_000_000"#).await.expect_err("2 MB");
    assert!(matches!(err, EvalError::TooLarge(_)), "{err:?}");
    // 2,000 references to one string: cheap inside, 2 MB as JSON.
    let err = eval(r#"return ["x" * 1000] * 2000"#)
        .await
        .expect_err("2 MB list");
    assert!(matches!(err, EvalError::TooLarge(_)), "{err:?}");
    let err = eval("a = []\nfor i in range(1000):\n    a = [a]\nreturn a")
        .await
        .expect_err("deep");
    assert!(matches!(err, EvalError::TooLarge(_)), "{err:?}");
}

#[tokio::test]
async fn recursion_is_bounded() {
    let err = eval("def f(n):\n    return f(n + 1)\nreturn f(0)")
        .await
        .expect_err("recurses");
    assert!(
        matches!(&err, EvalError::Exception { kind, .. } if kind == "RecursionError"),
        "{err:?}"
    );
}

#[test]
fn forbidden_imports_fail_at_compile_time() {
    for (src, line) in [
        ("import os", 1),
        ("import requests", 1),
        ("from authentik.core.models import User", 1),
        ("x = 1\nif x:\n    import subprocess", 3),
        ("def f():\n    from os import path\nreturn 1", 2),
        ("import re, sys", 1),
        ("from ipaddress import IPv4Address", 1),
        ("from . import x", 1),
    ] {
        let err = compile(src).expect_err(src);
        assert_eq!(err.line, line, "{src}: {err}");
        assert!(err.message.contains("import"), "{src}: {}", err.message);
    }
}

#[tokio::test]
async fn no_files_environment_or_dynamic_imports() {
    for src in [
        r#"return open("/etc/passwd").read()"#,
        r#"return __import__("os")"#,
        r#"return exec("import os")"#,
        r#"return eval("1")"#,
    ] {
        let err = eval(src).await.expect_err(src);
        assert!(
            matches!(err, EvalError::Forbidden(_) | EvalError::Exception { .. }),
            "{src}: {err:?}"
        );
    }
    let err = eval(r#"return open("/etc/passwd").read()"#)
        .await
        .expect_err("open");
    assert!(matches!(err, EvalError::Forbidden(_)), "{err:?}");
}

#[test]
fn syntax_errors_have_line_and_column() {
    let err = compile("x = 1\ny = = 2\nreturn y").expect_err("syntax");
    assert_eq!((err.line, err.column), (2, 5), "{err}");
    assert!(err.to_string().starts_with("line 2, column 5: "), "{err}");
    let err = compile("return (1 +").expect_err("unclosed");
    assert_eq!(err.line, 1, "{err}");
}

#[test]
fn multi_line_ipaddress_import_keeps_line_numbers() {
    let src = "from ipaddress import (\n    ip_address,\n    ip_network,\n)\nx = 1 / 0";
    let compiled = compile(src).expect("compiles");
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let err = runtime
        .block_on(Monty::default().evaluate(&compiled, &Context::default(), &NoHost))
        .expect_err("divides");
    assert!(
        matches!(err, EvalError::Exception { line: Some(5), .. }),
        "{err:?}"
    );
}

#[tokio::test]
async fn host_calls_in_a_loop_end() {
    for src in [
        "import datetime\nwhile True:\n    datetime.datetime.now()",
        "while True:\n    ak_user_by(username='bob')",
    ] {
        // A generous time budget, so the pause bound is what ends the loop even in a debug
        // build on a loaded machine.
        let monty = Monty {
            limits: Limits {
                cpu: Duration::from_secs(30),
                ..Limits::default()
            },
        };
        let compiled = compile(src).expect("compiles");
        let ctx = ctx_for(Some(alice()), "10.1.2.3");
        let err = monty
            .evaluate(&compiled, &ctx, &Fixtures)
            .await
            .expect_err(src);
        assert!(
            matches!(&err, EvalError::Exception { message, .. } if message.contains("host calls")),
            "{src}: {err:?}"
        );
    }
}

/// A host that never answers in time.
struct Slow;

#[async_trait::async_trait]
impl Host for Slow {
    async fn user_by(&self, _: &Map<String, Value>) -> Result<Option<UserView>, String> {
        tokio::time::sleep(Duration::from_secs(60)).await;
        Ok(None)
    }
    async fn call_policy(&self, _: &str, _: &Map<String, Value>) -> Result<PolicyCall, String> {
        Ok(PolicyCall::default())
    }
}

#[tokio::test]
async fn the_wall_clock_guards_slow_hosts() {
    let monty = Monty {
        limits: Limits {
            wall: Duration::from_millis(50),
            ..Limits::default()
        },
    };
    let compiled = compile("return ak_user_by(username='x')").expect("compiles");
    let started = Instant::now();
    let err = monty
        .evaluate(&compiled, &Context::default(), &Slow)
        .await
        .expect_err("times out");
    assert!(matches!(err, EvalError::Timeout(_)), "{err:?}");
    assert!(started.elapsed() < Duration::from_secs(2));
}

#[tokio::test]
async fn deep_nesting_does_not_crash() {
    for src in [
        format!("return {}1{}", "(".repeat(50_000), ")".repeat(50_000)),
        format!("return {}", "[".repeat(50_000)),
        format!("return {}1", "-".repeat(50_000)),
        format!("return {}", "not ".repeat(50_000)),
    ] {
        assert!(compile(&src).is_err(), "{}", &src[..20]);
    }
    for src in [
        "a = []\nfor i in range(100000):\n    a = [a]\nreturn a",
        "a = []\nfor i in range(100000):\n    a = [a]\nreturn str(a)",
        "a = []\nb = []\nfor i in range(100000):\n    a = [a]\n    b = [b]\nreturn a == b",
        "d = {}\nfor i in range(100000):\n    d = {'k': d}\nreturn len(repr(d))",
    ] {
        // Any error or value is fine; the process must survive.
        let _ = eval(src).await;
    }
}

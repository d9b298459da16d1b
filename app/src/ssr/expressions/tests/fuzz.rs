//! Arbitrary input never panics the compiler or the interpreter.
use super::*;
use proptest::prelude::*;
use std::time::Duration;

/// Fragments that make mostly-valid Python, so generated programs get past the parser.
const PIECES: &[&str] = &[
    "return ",
    "x",
    " = ",
    "1",
    "(",
    ")",
    "[",
    "]",
    "{",
    "}",
    ":",
    ",",
    ".",
    "+",
    "*",
    "**",
    "-",
    "/",
    "%",
    "\n",
    "    ",
    "if ",
    "for ",
    " in ",
    "while ",
    "def f",
    "lambda: ",
    "not ",
    "'a'",
    "user",
    "request",
    "ak_groups",
    "filter(name='x')",
    "exists()",
    "10",
    "None",
    "True",
    "x",
    "range(5)",
    "len",
    "str",
    "ip_address('1.2.3.4')",
    "ip_network('10.0.0.0/8')",
    "yield ",
    "try:",
    "except:",
    "class C",
    "import re",
    "pass",
    "break",
    "del ",
    "global x",
    "==",
    "<",
];

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime")
}

fn quick() -> Monty {
    Monty {
        limits: Limits {
            cpu: Duration::from_millis(20),
            ..Limits::default()
        },
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn compile_never_panics(src in "\\PC{0,200}") {
        let _ = compile(&src);
    }

    #[test]
    fn evaluate_never_panics(pieces in proptest::collection::vec(0..PIECES.len(), 0..30)) {
        let src: String = pieces.into_iter().map(|i| PIECES[i]).collect();
        if let Ok(compiled) = compile(&src) {
            let ctx = ctx_for(Some(alice()), "10.0.0.1");
            let _ = runtime().block_on(quick().evaluate(&compiled, &ctx, &Fixtures));
        }
    }
}

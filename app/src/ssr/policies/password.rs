//! Checks a password typed in the flow: length and character classes (static rules) and
//! guessability (zxcvbn). Ward calls no outside service, so Have I Been Pwned is refused.
use super::{Policy, Request, Verdict};
use crate::ssr::typed::{Settings, field_error, text_error};
use crate::types::flow::FieldErrors;
use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize, utoipa::ToSchema)]
pub struct PasswordPolicy {
    /// The prompt field key holding the password.
    #[serde(default = "default_field")]
    password_field: String,
    #[serde(default)]
    amount_digits: u32,
    #[serde(default)]
    amount_uppercase: u32,
    #[serde(default)]
    amount_lowercase: u32,
    #[serde(default)]
    amount_symbols: u32,
    #[serde(default)]
    length_min: u32,
    /// The characters that count as symbols.
    #[serde(default = "default_charset")]
    symbol_charset: String,
    /// What the person is told when a static rule fails.
    #[serde(default)]
    error_message: String,
    #[serde(default = "yes")]
    check_static_rules: bool,
    #[serde(default)]
    check_have_i_been_pwned: bool,
    #[serde(default)]
    hibp_allowed_count: u32,
    #[serde(default)]
    check_zxcvbn: bool,
    /// Passwords scoring this or lower (0 to 4) fail.
    #[serde(default = "default_threshold")]
    zxcvbn_score_threshold: u8,
}

fn default_field() -> String {
    "password".into()
}

fn default_charset() -> String {
    "!\\\"#$%&'()*+,-./:;<=>?@[]^_`{|}~ ".into()
}

fn yes() -> bool {
    true
}

fn default_threshold() -> u8 {
    2
}

impl Settings for PasswordPolicy {
    fn check(&self) -> FieldErrors {
        if self.password_field.trim().is_empty() {
            return field_error("password_field", "Name the field holding the password.");
        }
        for (field, value, max) in [
            ("password_field", &self.password_field, 100),
            ("symbol_charset", &self.symbol_charset, 200),
            ("error_message", &self.error_message, 1000),
        ] {
            let e = text_error(field, value, max);
            if !e.is_empty() {
                return e;
            }
        }
        for (field, value) in [
            ("amount_digits", self.amount_digits),
            ("amount_uppercase", self.amount_uppercase),
            ("amount_lowercase", self.amount_lowercase),
            ("amount_symbols", self.amount_symbols),
            ("length_min", self.length_min),
        ] {
            if value > 1024 {
                return field_error(field, "At most 1024.");
            }
        }
        if self.check_have_i_been_pwned {
            return field_error(
                "check_have_i_been_pwned",
                "Ward does not send password hashes to outside services; use check_zxcvbn.",
            );
        }
        if self.zxcvbn_score_threshold > 4 {
            return field_error("zxcvbn_score_threshold", "A score from 0 to 4.");
        }
        if !self.check_static_rules && !self.check_zxcvbn {
            return field_error(
                "check_static_rules",
                "Turn on static rules or zxcvbn: a policy that checks nothing passes everything.",
            );
        }
        FieldErrors::new()
    }
}

impl PasswordPolicy {
    fn static_rules_pass(&self, password: &str) -> bool {
        let count = |f: &dyn Fn(char) -> bool| password.chars().filter(|c| f(*c)).count();
        let at_least = |n: usize, min: u32| n >= min as usize;
        at_least(password.chars().count(), self.length_min)
            && at_least(count(&|c| c.is_ascii_digit()), self.amount_digits)
            && at_least(count(&char::is_uppercase), self.amount_uppercase)
            && at_least(count(&char::is_lowercase), self.amount_lowercase)
            && at_least(
                count(&|c| self.symbol_charset.contains(c)),
                self.amount_symbols,
            )
    }
}

#[async_trait::async_trait]
impl Policy for PasswordPolicy {
    async fn evaluate(&self, _: &sqlx::PgPool, request: &Request) -> Result<Verdict, String> {
        Ok(self.verdict(request))
    }
}

impl PasswordPolicy {
    fn verdict(&self, request: &Request) -> Verdict {
        let Some(password) = request.values.get(&self.password_field) else {
            return Verdict::fail("Password not set in context");
        };
        if self.check_static_rules && !self.static_rules_pass(password) {
            let message = if self.error_message.is_empty() {
                "The password does not meet the password rules."
            } else {
                &self.error_message
            };
            return Verdict::fail(message);
        }
        if self.check_zxcvbn {
            // Other typed values (username, email, name) make a password weaker when used in it.
            let inputs: Vec<&str> = request
                .values
                .iter()
                .filter(|(k, _)| **k != self.password_field)
                .map(|(_, v)| v.as_str())
                .collect();
            // zxcvbn's matching grows fast with length; the first 100 characters decide it.
            let head: String = password.chars().take(100).collect();
            let entropy = zxcvbn::zxcvbn(&head, &inputs);
            if entropy.score() as u8 <= self.zxcvbn_score_threshold {
                let mut messages = vec!["The password is too weak.".to_string()];
                if let Some(feedback) = entropy.feedback() {
                    messages.extend(feedback.warning().map(|w| w.to_string()));
                    messages.extend(feedback.suggestions().iter().map(|s| s.to_string()));
                }
                return Verdict {
                    passing: false,
                    messages,
                    logs: Vec::new(),
                };
            }
        }
        Verdict::pass()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ssr::typed::normalize;
    use serde_json::json;

    fn policy(settings: serde_json::Value) -> PasswordPolicy {
        serde_json::from_value(normalize::<PasswordPolicy>(&settings, "policy").expect("valid"))
            .expect("parses")
    }

    fn request(password: &str) -> Request {
        let mut r = Request::default();
        r.values.insert("password".into(), password.into());
        r.values.insert("username".into(), "alice".into());
        r
    }

    #[test]
    fn static_rules_count_each_class() {
        let p = policy(json!({
            "length_min": 8, "amount_digits": 1, "amount_uppercase": 1,
            "amount_symbols": 1, "error_message": "Too simple"
        }));
        assert_eq!(p.verdict(&request("Abcdef1!")), Verdict::pass());
        for weak in ["Abcde1!", "abcdef1!", "Abcdefg!", "Abcdefg1"] {
            assert_eq!(
                p.verdict(&request(weak)),
                Verdict::fail("Too simple"),
                "{weak}"
            );
        }
        assert_eq!(
            p.verdict(&Request::default()),
            Verdict::fail("Password not set in context")
        );
    }

    #[test]
    fn zxcvbn_refuses_guessable_passwords() {
        let p = policy(json!({"check_static_rules": false, "check_zxcvbn": true}));
        let weak = p.verdict(&request("password1"));
        assert!(!weak.passing);
        assert_eq!(weak.messages[0], "The password is too weak.");
        // The username counts against a password built from it.
        assert!(!p.verdict(&request("alicealice1")).passing);
        assert!(
            p.verdict(&request("correct horse battery staple 91!"))
                .passing
        );
    }

    #[test]
    fn settings_are_checked() {
        let err = |v| normalize::<PasswordPolicy>(&v, "policy").expect_err("refused");
        assert!(
            err(json!({"check_have_i_been_pwned": true})).contains_key("check_have_i_been_pwned")
        );
        assert!(err(json!({"length_min": -1})).contains_key("length_min"));
        assert!(err(json!({"zxcvbn_score_threshold": 5})).contains_key("zxcvbn_score_threshold"));
        assert!(err(json!({"lenght_min": 3})).contains_key("lenght_min"));
        let defaults = normalize::<PasswordPolicy>(&json!({}), "policy").expect("defaults");
        assert_eq!(defaults["password_field"], "password");
        assert_eq!(defaults["check_static_rules"], true);
    }
}

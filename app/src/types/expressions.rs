//! What the admin's expression editor shows beside the code.

/// The names an expression body can use without importing anything, as authentik provides
/// them; the body is a function of these.
pub const NAMES: &[&str] = &[
    "request",
    "user",
    "context",
    "ak_logger",
    "ak_message",
    "ak_client_ip",
    "ak_call_policy",
    "ak_user_by",
    "ak_is_group_member",
    "ip_address",
    "ip_network",
    "regex_match",
    "regex_replace",
    "list_flatten",
];

/// Modules an expression may import.
pub const MODULES: &[&str] = &["datetime", "re", "ipaddress"];

/// The body's line a compile error names ("Line 3, column 5: …"), if it names one.
pub fn error_line(message: &str) -> Option<usize> {
    message
        .strip_prefix("Line ")?
        .split(',')
        .next()?
        .trim()
        .parse()
        .ok()
}

#[cfg(test)]
mod tests {
    use super::error_line;

    #[test]
    fn the_line_is_read_from_the_message() {
        assert_eq!(error_line("Line 3, column 5: invalid syntax"), Some(3));
        assert_eq!(error_line("Unknown field"), None);
        assert_eq!(error_line("Line x, column 1"), None);
    }
}

//! Directory DTOs: users, groups and the admin lists.
use super::flow::FieldErrors;
use serde::{Deserialize, Serialize};

/// The answer to a form: saved, or field errors to show beside the fields.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Saved<T> {
    Ok(T),
    Invalid(FieldErrors),
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct UserRow {
    pub id: String,
    pub username: String,
    pub name: String,
    pub email: String,
    pub is_active: bool,
    pub is_service_account: bool,
    /// RFC 3339, or empty when never.
    pub last_login: String,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UserSort {
    #[default]
    Username,
    Name,
    Email,
    LastLogin,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct UserQuery {
    #[serde(default)]
    pub search: String,
    #[serde(default)]
    pub sort: UserSort,
    #[serde(default)]
    pub descending: bool,
    /// 0-based.
    #[serde(default)]
    pub page: u32,
    /// Rows per page; 0 = the list's default (50), at most 1000.
    #[serde(default)]
    pub page_size: u32,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct UserPage {
    pub rows: Vec<UserRow>,
    pub total: i64,
    /// There are more matches than `total` says (counting stopped at a cap).
    pub total_is_capped: bool,
    pub page: u32,
    pub page_size: u32,
}

/// What an admin edits on a user.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct UserForm {
    pub username: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub email: String,
    #[serde(default)]
    pub is_active: bool,
    /// JSON object, as text.
    #[serde(default)]
    pub attributes: String,
    /// Group ids.
    #[serde(default)]
    pub groups: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct GroupRef {
    pub id: String,
    pub name: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct UserDetail {
    pub row: UserRow,
    pub attributes: String,
    pub groups: Vec<GroupRef>,
    pub is_superuser: bool,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct GroupRow {
    pub id: String,
    pub name: String,
    /// Empty for a top-level group.
    pub parent_id: String,
    pub parent_name: String,
    pub is_superuser: bool,
    pub member_count: i64,
    pub attributes: String,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct GroupForm {
    pub name: String,
    /// Parent group id; empty for none.
    #[serde(default)]
    pub parent: String,
    #[serde(default)]
    pub is_superuser: bool,
    #[serde(default)]
    pub attributes: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TokenRow {
    pub id: String,
    pub identifier: String,
    pub user_id: String,
    pub username: String,
    pub intent: String,
    /// RFC 3339, or empty for never.
    pub expires_at: String,
    pub description: String,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct TokenForm {
    pub identifier: String,
    pub username: String,
    pub intent: String,
    /// `YYYY-MM-DD`, or empty for never.
    #[serde(default)]
    pub expires: String,
    #[serde(default)]
    pub description: String,
}

/// A new token: the key is shown this once and never again.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TokenCreated {
    pub id: String,
    pub key: String,
}

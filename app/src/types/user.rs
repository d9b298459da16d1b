use serde::{Deserialize, Serialize};

/// The signed-in user as the UI sees them.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Me {
    pub username: String,
    pub name: String,
    pub email: String,
    pub is_superuser: bool,
    /// As the avatars setting says: nothing, initials, or an image URL.
    pub avatar: Avatar,
    /// The brand's invalidation (logout) flow.
    pub logout_url: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Avatar {
    None,
    Initials,
    Image(String),
}

/// What a user edits on their own profile.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ProfileForm {
    pub username: String,
    pub name: String,
    pub email: String,
}

/// Which profile fields users may change (system settings).
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct ProfileRules {
    pub username: bool,
    pub name: bool,
    pub email: bool,
}

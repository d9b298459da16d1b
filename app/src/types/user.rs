use serde::{Deserialize, Serialize};

/// The signed-in user as the UI sees them.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Me {
    pub username: String,
    pub name: String,
    pub email: String,
    pub is_superuser: bool,
}

//! What the user portal shows of applications: the library, and the consents given to them.
use serde::{Deserialize, Serialize};

/// An application in "My applications".
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LibraryApp {
    pub slug: String,
    pub name: String,
    pub group: String,
    pub description: String,
    pub publisher: String,
    pub launch_url: String,
    pub open_in_new_tab: bool,
}

impl LibraryApp {
    /// Whether the search text (lowercased) finds it.
    pub fn matches(&self, search: &str) -> bool {
        search.is_empty()
            || [&self.name, &self.group, &self.description, &self.publisher]
                .iter()
                .any(|t| t.to_lowercase().contains(search))
    }
}

/// A consent the user gave an application.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ConsentRow {
    pub id: String,
    pub application: String,
    /// What was allowed, as the consent page described it.
    pub permissions: Vec<String>,
    /// RFC 3339, or empty when it does not expire.
    pub expires: String,
}

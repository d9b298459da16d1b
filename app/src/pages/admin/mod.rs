pub mod dashboard;
pub mod events;
pub mod groups;
pub mod sessions;
pub mod tokens;
pub mod user_detail;
pub mod users;

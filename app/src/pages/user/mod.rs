pub mod portal;
pub mod settings;

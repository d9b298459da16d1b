//! Brands: title, images, colours and default flows per domain (Admin → System → Brands).
use serde::{Deserialize, Serialize};

/// A link in the footer of the flow pages.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct FooterLink {
    pub name: String,
    pub href: String,
}

/// What an admin edits in the brand form (the images are uploaded separately).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct BrandForm {
    pub domain: String,
    pub is_default: bool,
    pub title: String,
    pub custom_css: String,
    /// `#rrggbb`.
    pub primary_color: String,
    /// Flow slugs; empty = Ward's default flow.
    pub flow_authentication: String,
    pub flow_invalidation: String,
    pub flow_recovery: String,
    pub flow_user_settings: String,
    /// authentik's "Device code flow": what `/device` runs before the code entry. Empty: none,
    /// and `/device` answers 404 (no Ward default stands in, unlike the flows above).
    pub flow_device_code: String,
    pub default_application: String,
    pub footer_links: Vec<FooterLink>,
}

impl Default for BrandForm {
    fn default() -> Self {
        Self {
            domain: String::new(),
            is_default: false,
            title: "Ward".into(),
            custom_css: String::new(),
            primary_color: DEFAULT_PRIMARY.into(),
            flow_authentication: String::new(),
            flow_invalidation: String::new(),
            flow_recovery: String::new(),
            flow_user_settings: String::new(),
            flow_device_code: String::new(),
            default_application: String::new(),
            footer_links: Vec::new(),
        }
    }
}

pub const DEFAULT_PRIMARY: &str = "#4f46e5";

/// A stored brand.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Brand {
    /// Empty for the built-in fallback (no brand row at all).
    pub id: String,
    pub form: BrandForm,
    /// Paths under the media dir (`brands/<hex>.<ext>`); empty when not set.
    pub logo: String,
    pub favicon: String,
    pub background: String,
}

impl Brand {
    /// The URL an image path is served at, or None when the image is not set.
    pub fn media_url(path: &str) -> Option<String> {
        // Only the names Ward gives files, so the URL is safe in attributes and CSS.
        let ours = path.strip_prefix("brands/").is_some_and(|name| {
            name.bytes()
                .all(|c| c.is_ascii_hexdigit() || c.is_ascii_lowercase() || c == b'.')
        });
        ours.then(|| format!("/media/{path}"))
    }

    /// The footer links that are safe to render (http and https only).
    pub fn safe_links(&self) -> Vec<FooterLink> {
        self.form
            .footer_links
            .iter()
            .filter(|l| l.href.starts_with("https://") || l.href.starts_with("http://"))
            .cloned()
            .collect()
    }

    /// The slug of the authentication flow anonymous visitors are sent to.
    pub fn authentication_flow(&self) -> &str {
        match self.form.flow_authentication.as_str() {
            "" => "default-authentication-flow",
            slug => slug,
        }
    }
}

/// `#rrggbb`.
pub fn valid_color(color: &str) -> bool {
    color.len() == 7 && color.starts_with('#') && color[1..].chars().all(|c| c.is_ascii_hexdigit())
}

/// The `<style id="brand-vars">` rules: the brand's colour as `--ward-primary`.
pub fn css_vars(brand: &Brand) -> String {
    let color = if valid_color(&brand.form.primary_color) {
        brand.form.primary_color.as_str()
    } else {
        DEFAULT_PRIMARY
    };
    format!(":root{{--ward-primary:{color}}}")
}

/// The image slots an upload can fill.
pub const SLOTS: [&str; 3] = ["logo", "favicon", "background"];

//! WebAuthn (security keys and passkeys) through webauthn-rs. The relying party is the host Ward
//! is reached on (`origin`, through trusted proxies), so a key enrolled at `auth.example.com`
//! answers there. Every credential verifies the person (PIN or biometrics): a passkey then
//! signs in without a password. Ceremony state waits in the flow (server-side session).
use crate::ssr::users::User;
use serde_json::Value as Json;
use uuid::Uuid;
use webauthn_rs::prelude::*;
use webauthn_rs_proto::{AuthenticatorAttachment, ResidentKeyRequirement};

/// What the setup stage's settings ask of a new credential (authentik's names).
pub struct Wanted<'a> {
    /// `required`, `preferred` or `discouraged`.
    pub resident_key: &'a str,
    /// `platform`, `cross-platform`, or None for either.
    pub attachment: Option<&'a str>,
}

/// A refused ceremony, said for people.
#[derive(Debug)]
pub struct Refused(pub String);

const NOT_ANSWERED: &str =
    "The security key's answer could not be checked. Try again, or use another method.";

/// The relying party for the site at `origin`.
fn relying_party(origin: &str, site: &str) -> Result<Webauthn, Refused> {
    let url = Url::parse(origin).map_err(|_| Refused(format!("{origin} is not a web address.")))?;
    let host = url.host_str().unwrap_or_default().to_string();
    if host.is_empty() || host.parse::<std::net::IpAddr>().is_ok() || host.starts_with('[') {
        return Err(Refused(format!(
            "Security keys and passkeys work only when Ward is reached by a name, not an \
             address ({host}). Open it by its domain name."
        )));
    }
    WebauthnBuilder::new(&host, &url)
        .map(|b| b.rp_name(site))
        .and_then(WebauthnBuilder::build)
        .map_err(|e| Refused(format!("Ward cannot use security keys at {origin}: {e}.")))
}

/// Why a browser's answer was refused, for people: an answer for another site is said so.
fn refusal(origin: &str, error: &WebauthnError) -> Refused {
    match error {
        WebauthnError::InvalidRPOrigin | WebauthnError::InvalidRPIDHash => Refused(format!(
            "The security key answered for another address than {origin}. Sign in at the \
             address you enrolled it on, or check Ward's trusted proxies."
        )),
        WebauthnError::CredentialPossibleCompromise => Refused(
            "This security key's signature counter went backwards: it may have been cloned. \
             It was refused; ask an administrator."
                .into(),
        ),
        WebauthnError::UserNotVerified => {
            Refused("The security key did not verify you (PIN or fingerprint). Try again.".into())
        }
        _ => Refused(NOT_ANSWERED.into()),
    }
}

fn to_json<T: serde::Serialize>(value: &T) -> Result<Json, Refused> {
    serde_json::to_value(value).map_err(|_| Refused(NOT_ANSWERED.into()))
}

fn from_json<T: serde::de::DeserializeOwned>(value: &Json) -> Result<T, Refused> {
    serde_json::from_value(value.clone()).map_err(|_| Refused(NOT_ANSWERED.into()))
}

/// The browser's answer (the credential's `toJSON()`), at most 64 KB.
fn answer<T: serde::de::DeserializeOwned>(given: &str) -> Result<T, Refused> {
    if given.len() > 65_536 {
        return Err(Refused(NOT_ANSWERED.into()));
    }
    serde_json::from_str(given).map_err(|_| Refused(NOT_ANSWERED.into()))
}

/// Starts enrolling a credential for `user`: the options for `navigator.credentials.create`
/// (JSON) and the state to keep. `existing` credentials are not enrolled twice.
pub fn start_registration(
    origin: &str,
    site: &str,
    user: &User,
    existing: &[Passkey],
    wanted: &Wanted<'_>,
) -> Result<(String, Json), Refused> {
    let rp = relying_party(origin, site)?;
    let exclude = existing.iter().map(|p| p.cred_id().clone()).collect();
    let display = if user.name.trim().is_empty() {
        &user.username
    } else {
        &user.name
    };
    let (mut options, state) = rp
        .start_passkey_registration(user.id, &user.username, display, Some(exclude))
        .map_err(|e| refusal(origin, &e))?;
    if let Some(selection) = options.public_key.authenticator_selection.as_mut() {
        let resident = match wanted.resident_key {
            "required" => ResidentKeyRequirement::Required,
            "discouraged" => ResidentKeyRequirement::Discouraged,
            _ => ResidentKeyRequirement::Preferred,
        };
        selection.require_resident_key = matches!(resident, ResidentKeyRequirement::Required);
        selection.resident_key = Some(resident);
        selection.authenticator_attachment = match wanted.attachment {
            Some("platform") => Some(AuthenticatorAttachment::Platform),
            Some("cross-platform") => Some(AuthenticatorAttachment::CrossPlatform),
            _ => None,
        };
    }
    let options = serde_json::to_string(&options).map_err(|_| Refused(NOT_ANSWERED.into()))?;
    Ok((options, to_json(&state)?))
}

/// Finishes enrolling: the new credential, from the browser's answer.
pub fn finish_registration(
    origin: &str,
    site: &str,
    state: &Json,
    given: &str,
) -> Result<Passkey, Refused> {
    let rp = relying_party(origin, site)?;
    let state: PasskeyRegistration = from_json(state)?;
    let credential: RegisterPublicKeyCredential = answer(given)?;
    rp.finish_passkey_registration(&credential, &state)
        .map_err(|e| refusal(origin, &e))
}

/// Starts a sign-in with one of `passkeys` (a known user): the options for
/// `navigator.credentials.get` (JSON) and the state to keep.
pub fn start_authentication(
    origin: &str,
    site: &str,
    passkeys: &[Passkey],
) -> Result<(String, Json), Refused> {
    let rp = relying_party(origin, site)?;
    let (options, state) = rp
        .start_passkey_authentication(passkeys)
        .map_err(|e| refusal(origin, &e))?;
    let options = serde_json::to_string(&options).map_err(|_| Refused(NOT_ANSWERED.into()))?;
    Ok((options, to_json(&state)?))
}

/// Finishes a sign-in of a known user: the credential that answered, its counter moved on.
pub fn finish_authentication(
    origin: &str,
    site: &str,
    state: &Json,
    given: &str,
    passkeys: &[(Uuid, Passkey)],
) -> Result<(Uuid, Passkey), Refused> {
    let rp = relying_party(origin, site)?;
    let state: PasskeyAuthentication = from_json(state)?;
    let credential: PublicKeyCredential = answer(given)?;
    let result = rp
        .finish_passkey_authentication(&credential, &state)
        .map_err(|e| refusal(origin, &e))?;
    updated(passkeys, &result)
}

/// Starts a sign-in where the passkey names the user (a modal, or the browser's autofill with
/// `conditional`).
pub fn start_discoverable(
    origin: &str,
    site: &str,
    conditional: bool,
) -> Result<(String, Json), Refused> {
    let rp = relying_party(origin, site)?;
    let (mut options, state) = rp
        .start_discoverable_authentication()
        .map_err(|e| refusal(origin, &e))?;
    if !conditional {
        options.mediation = None;
    }
    let options = serde_json::to_string(&options).map_err(|_| Refused(NOT_ANSWERED.into()))?;
    Ok((options, to_json(&state)?))
}

/// Who a discoverable answer says it is: the user's id and the credential's id.
pub fn identify(given: &str) -> Result<(Uuid, Vec<u8>), Refused> {
    let credential: PublicKeyCredential = answer(given)?;
    // Only the answer's own fields are read here; it is verified by `finish_discoverable`.
    let handle = credential
        .response
        .user_handle
        .as_ref()
        .ok_or_else(|| Refused(NOT_ANSWERED.into()))?;
    let user = Uuid::from_slice(handle.as_ref()).map_err(|_| Refused(NOT_ANSWERED.into()))?;
    Ok((user, credential.raw_id.to_vec()))
}

/// Finishes a discoverable sign-in with the stored credential it named.
pub fn finish_discoverable(
    origin: &str,
    site: &str,
    state: &Json,
    given: &str,
    device: (Uuid, Passkey),
) -> Result<(Uuid, Passkey), Refused> {
    let rp = relying_party(origin, site)?;
    let state: DiscoverableAuthentication = from_json(state)?;
    let credential: PublicKeyCredential = answer(given)?;
    let result = rp
        .finish_discoverable_authentication_v2(&credential, state, &device.1)
        .map_err(|e| refusal(origin, &e))?;
    updated(&[device], &result)
}

/// The credential that answered, with its counter and flags as the answer left them.
fn updated(
    passkeys: &[(Uuid, Passkey)],
    result: &AuthenticationResult,
) -> Result<(Uuid, Passkey), Refused> {
    let (id, passkey) = passkeys
        .iter()
        .find(|(_, p)| p.cred_id().as_slice() == result.cred_id().as_slice())
        .ok_or_else(|| Refused(NOT_ANSWERED.into()))?;
    let mut passkey = passkey.clone();
    passkey.update_credential(result);
    Ok((*id, passkey))
}

/// The stored form of a credential, and its id for lookups.
pub fn stored(passkey: &Passkey) -> Result<(Json, Vec<u8>), Refused> {
    Ok((to_json(passkey)?, passkey.cred_id().to_vec()))
}

/// A stored credential.
pub fn parse_stored(value: &Json) -> Option<Passkey> {
    serde_json::from_value(value.clone()).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_relying_party_is_the_host_and_an_address_is_refused() {
        assert!(relying_party("https://auth.example.com", "Ward").is_ok());
        assert!(relying_party("http://localhost:9000", "Ward").is_ok());
        let refused = relying_party("http://127.0.0.1:9000", "Ward").expect_err("an address");
        assert!(refused.0.contains("by a name"), "{}", refused.0);
        assert!(relying_party("http://[::1]:9000", "Ward").is_err());
    }

    #[test]
    fn options_ask_for_a_discoverable_verified_credential() {
        let user = jane();
        let wanted = Wanted {
            resident_key: "required",
            attachment: Some("platform"),
        };
        let (options, state) =
            start_registration("https://auth.example.com", "Ward", &user, &[], &wanted)
                .expect("options");
        let options: Json = serde_json::from_str(&options).expect("json");
        let selection = &options["publicKey"]["authenticatorSelection"];
        assert_eq!(selection["residentKey"], "required", "{options}");
        assert_eq!(selection["userVerification"], "required");
        assert_eq!(selection["authenticatorAttachment"], "platform");
        assert_eq!(options["publicKey"]["rp"]["id"], "auth.example.com");
        assert!(from_json::<PasskeyRegistration>(&state).is_ok());
    }

    fn jane() -> User {
        User {
            id: Uuid::new_v4(),
            username: "jane".into(),
            email: None,
            name: "Jane".into(),
            is_active: true,
        }
    }

    proptest::proptest! {
        /// Whatever a browser (or anyone) posts as an answer: refused with a message, never a
        /// panic.
        #[test]
        fn any_answer_is_refused_not_a_panic(given in ".{0,300}", shaped in r#"\{"(id|rawId|type|response)":("[A-Za-z0-9_-]{0,20}"|\{"userHandle":"[A-Za-z0-9_-]{0,30}"\})\}"#) {
            let origin = "https://auth.example.com";
            let wanted = Wanted { resident_key: "required", attachment: None };
            let (_, registration) = start_registration(origin, "Ward", &jane(), &[], &wanted).expect("options");
            let (_, discoverable) = start_discoverable(origin, "Ward", true).expect("options");
            for given in [given.as_str(), shaped.as_str()] {
                let _ = identify(given);
                proptest::prop_assert!(finish_registration(origin, "Ward", &registration, given).is_err());
                proptest::prop_assert!(finish_authentication(origin, "Ward", &discoverable, given, &[]).is_err());
            }
        }
    }
}

-- WebAuthn authenticators (issue 13): security keys and passkeys. `credential` is the
-- credential's public key and sign counter as webauthn-rs keeps them (no secret: the private key
-- never leaves the authenticator); `credential_id` finds it when a passkey signs in by itself.
alter table mfa_devices add column credential jsonb;
alter table mfa_devices add column credential_id bytea;
create unique index mfa_devices_credential_idx on mfa_devices (credential_id)
  where credential_id is not null;

-- Recovery codes (authentik's static device, issue 13): each code stored as its SHA-256, deleted
-- when used, so a code works once.
create table mfa_static_tokens (
  device_id uuid not null references mfa_devices (id) on delete cascade,
  token_hash bytea not null,
  primary key (device_id, token_hash)
);

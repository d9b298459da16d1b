-- RFC 8628 device authorization: a device shows a user code, the user approves it at /device in
-- a browser, the device polls the token endpoint. The device code is stored as a digest.
create table oauth2_device_codes (
  id uuid primary key,
  device_code_hash bytea not null constraint oauth2_device_codes_code_key unique,
  user_code text not null constraint oauth2_device_codes_user_code_key unique,
  provider_id uuid not null references providers (id) on delete cascade,
  scopes text[] not null,
  user_id uuid references users (id) on delete cascade,
  session_id uuid references user_sessions (id) on delete cascade,
  approved_at timestamptz,
  last_poll_at timestamptz,
  expires_at timestamptz not null,
  created_at timestamptz not null default now()
);
create index oauth2_device_codes_expires_idx on oauth2_device_codes (expires_at);

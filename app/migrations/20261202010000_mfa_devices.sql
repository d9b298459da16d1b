-- MFA devices (issue 13): one row per authenticator a user enrolled, of authentik's device
-- classes. A TOTP secret is sealed with the instance key (crypto/sealed.rs), never stored clear.
create table mfa_devices (
  id uuid primary key,
  user_id uuid not null references users (id) on delete cascade,
  class text not null check (class in ('totp', 'static', 'webauthn', 'email')),
  name text not null check (length(name) between 1 and 64),
  secret bytea,
  digits smallint check (digits in (6, 8)),
  -- TOTP: the last time step a code was accepted for; a code is good once (RFC 6238 §5.2).
  last_step bigint,
  created timestamptz not null default now(),
  last_used timestamptz
);
create index mfa_devices_user_idx on mfa_devices (user_id);

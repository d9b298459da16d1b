-- OAuth2 / OpenID Connect: authorization codes, access and refresh tokens, and the consents
-- users gave. Codes and tokens are stored as SHA-256 digests only; each is bound to the login
-- session it came from (deleting the session ends them: a revoked session gets nothing).

-- How the session's sign-in was proven (OIDC `amr`: pwd, otp, hwk, mfa …).
alter table user_sessions add column amr text[] not null default '{}';

create table oauth2_codes (
  id uuid primary key,
  code_hash bytea not null constraint oauth2_codes_code_key unique,
  provider_id uuid not null references providers (id) on delete cascade,
  user_id uuid not null references users (id) on delete cascade,
  session_id uuid references user_sessions (id) on delete cascade,
  redirect_uri text not null,
  scopes text[] not null,
  nonce text,
  code_challenge text,
  expires_at timestamptz not null,
  used_at timestamptz,
  created_at timestamptz not null default now()
);
create index oauth2_codes_expires_idx on oauth2_codes (expires_at);

create table oauth2_tokens (
  id uuid primary key,
  kind text not null constraint oauth2_tokens_kind_check check (kind in ('access', 'refresh')),
  token_hash bytea not null constraint oauth2_tokens_token_key unique,
  provider_id uuid not null references providers (id) on delete cascade,
  user_id uuid not null references users (id) on delete cascade,
  session_id uuid references user_sessions (id) on delete cascade,
  -- The code it was issued for (a reused code revokes what it issued).
  code_id uuid references oauth2_codes (id) on delete cascade,
  -- Refresh rotation: every token descending from one grant shares the family; a reused
  -- refresh token revokes the whole family.
  family uuid not null,
  scopes text[] not null,
  expires_at timestamptz not null,
  used_at timestamptz,
  revoked_at timestamptz,
  created_at timestamptz not null default now()
);
create index oauth2_tokens_family_idx on oauth2_tokens (family);
create index oauth2_tokens_user_idx on oauth2_tokens (user_id);
create index oauth2_tokens_expires_idx on oauth2_tokens (expires_at);

-- authentik's UserConsent: what a user allowed an application (null expiry: permanent).
create table oauth2_consents (
  id uuid primary key,
  user_id uuid not null references users (id) on delete cascade,
  application_id uuid not null references applications (id) on delete cascade,
  scopes text[] not null,
  expires_at timestamptz,
  created_at timestamptz not null default now(),
  constraint oauth2_consents_user_application_key unique (user_id, application_id)
);

-- This installation's id: hashed `sub` values are derived from it (as authentik's install id),
-- so they stay the same across restarts and key rotations, and differ between installations.
create table install (
  id boolean primary key default true constraint install_one_row check (id),
  install_id uuid not null default gen_random_uuid()
);
insert into install default values;

-- `blank://blank` as launch URL hides an application from the portal (authentik's convention).
alter table applications drop constraint applications_launch_url_check,
  add constraint applications_launch_url_check check (
    meta_launch_url = '' or meta_launch_url = 'blank://blank'
    or (meta_launch_url ~* '^https?://' and length(meta_launch_url) <= 2000));

-- Outposts (authentik's `authentik_outposts.outpost`): what serves proxy providers. The
-- embedded outpost runs inside every `ward` process; remote ones run `ward outpost proxy`.
create table outposts (
  id uuid primary key,
  name text not null constraint outposts_name_key unique
    constraint outposts_name_check check (length(name) between 1 and 150),
  -- authentik's OutpostType: proxy, ldap, radius, rac.
  kind text not null default 'proxy'
    constraint outposts_kind_check check (kind in ('proxy', 'ldap', 'radius', 'rac')),
  -- authentik's `managed`: the embedded outpost is `goauthentik.io/outposts/embedded`.
  managed text constraint outposts_managed_key unique,
  -- authentik's outpost config (authentik_host, refresh_interval, …).
  config jsonb not null default '{}',
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
create trigger outposts_updated_at before update on outposts
  for each row execute function set_updated_at();

-- What each outpost process last reported (its health on the admin screen): apart from
-- `outposts`, so a heartbeat does not clear every process's caches.
create table outpost_states (
  outpost_id uuid not null references outposts (id) on delete cascade,
  -- One row per running instance (authentik's `uid`: hostname and process).
  uid text not null,
  hostname text not null default '',
  version text not null default '',
  last_seen timestamptz not null default now(),
  primary key (outpost_id, uid)
);

create table outpost_providers (
  outpost_id uuid not null references outposts (id) on delete cascade,
  provider_id uuid not null references providers (id) on delete cascade,
  primary key (outpost_id, provider_id)
);
create index outpost_providers_provider_idx on outpost_providers (provider_id);

insert into outposts (id, name, kind, managed, config)
values (gen_random_uuid(), 'authentik Embedded Outpost', 'proxy', 'goauthentik.io/outposts/embedded',
        '{"authentik_host": "", "authentik_host_insecure": false, "log_level": "info",
          "refresh_interval": "minutes=5", "object_naming_template": "ak-outpost-%(name)s"}');

-- A browser's session with a proxy provider (its `authentik_proxy_*` cookie): only the SHA-256
-- digest of the cookie's secret is stored; the access token the outpost got is sealed. Ending
-- the login session it came from, or the user, ends it.
create table proxy_sessions (
  id uuid primary key,
  secret_hash bytea not null,
  provider_id uuid not null references providers (id) on delete cascade,
  user_id uuid not null references users (id) on delete cascade,
  session_id uuid references user_sessions (id) on delete cascade,
  -- The claims of the tokens the code exchange gave (headers are built from them).
  claims jsonb not null,
  sealed_token bytea not null,
  expires_at timestamptz not null,
  created_at timestamptz not null default now()
);
create index proxy_sessions_user_idx on proxy_sessions (user_id);
create index proxy_sessions_expires_idx on proxy_sessions (expires_at);

-- Every process caches proxy sessions and the providers each outpost serves: a change
-- notifies them all (a signed-out session is refused at once everywhere).
create trigger proxy_sessions_changed after update or delete on proxy_sessions
  for each statement execute function ward_oauth2_changed();
create trigger outposts_changed after insert or update or delete on outposts
  for each statement execute function ward_oauth2_changed();
create trigger outpost_providers_changed after insert or update or delete on outpost_providers
  for each statement execute function ward_oauth2_changed();

-- Directory: service accounts, tracked sessions, token metadata, and the indexes the admin lists need.
create extension if not exists pg_trgm;

alter table users add column kind text not null default 'internal'
  constraint users_kind_check check (kind in ('internal', 'service_account'));
create index users_search_idx on users using gin ((username::text || ' ' || coalesce(email::text, '') || ' ' || name) gin_trgm_ops);
create index users_name_idx on users (name, id);
create index users_email_idx on users (email, id);
create index users_last_login_idx on users (last_login, id);

-- One row per signed-in browser session. The browser's session holds this id; deleting the row
-- signs that browser out on its next request.
create table user_sessions (
  id uuid primary key,
  user_id uuid not null references users (id) on delete cascade,
  client_ip inet,
  user_agent text not null default '',
  last_seen timestamptz not null default now(),
  expires_at timestamptz,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
create index user_sessions_user_idx on user_sessions (user_id, last_seen desc);

alter table tokens add column description text not null default '';
create index tokens_user_idx on tokens (user_id);

create index events_user_idx on events (user_id, created_at desc);
create index events_client_ip_idx on events (client_ip, created_at desc);
create index events_context_search_idx on events using gin ((context::text) gin_trgm_ops);
create index events_username_idx on events (username, created_at desc);

-- How long events are kept; a background task deletes older ones.
alter table system_state add column event_retention_days integer not null default 365
  constraint system_state_retention_check check (event_retention_days between 1 and 36500);

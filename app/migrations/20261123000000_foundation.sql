-- Foundation: directory, flows, events, tokens, system state.
create extension if not exists citext;

create or replace function set_updated_at() returns trigger language plpgsql as $$
begin
  new.updated_at = now();
  return new;
end $$;

create table users (
  id uuid primary key,
  username citext not null constraint users_username_key unique,
  email citext constraint users_email_key unique,
  name text not null default '',
  is_active boolean not null default true,
  attributes jsonb not null default '{}',
  password_hash text,
  last_login timestamptz,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  constraint users_username_check check (length(username) between 1 and 150)
);
create trigger users_updated_at before update on users for each row execute function set_updated_at();

create table groups (
  id uuid primary key,
  name citext not null constraint groups_name_key unique,
  parent_id uuid references groups (id) on delete set null,
  is_superuser boolean not null default false,
  attributes jsonb not null default '{}',
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
create trigger groups_updated_at before update on groups for each row execute function set_updated_at();

create table group_members (
  group_id uuid not null references groups (id) on delete cascade,
  user_id uuid not null references users (id) on delete cascade,
  created_at timestamptz not null default now(),
  primary key (group_id, user_id)
);
create index group_members_user_idx on group_members (user_id);

create table flows (
  id uuid primary key,
  slug text not null constraint flows_slug_key unique,
  title text not null,
  designation text not null check (designation in (
    'authentication', 'authorization', 'enrollment', 'invalidation', 'recovery',
    'stage_configuration', 'unenrollment')),
  -- Initial setup refuses to run once setup is completed (system_state.setup_completed).
  setup_only boolean not null default false,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
create trigger flows_updated_at before update on flows for each row execute function set_updated_at();

create table stages (
  id uuid primary key,
  name text not null constraint stages_name_key unique,
  kind text not null,
  config jsonb not null default '{}',
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
create trigger stages_updated_at before update on stages for each row execute function set_updated_at();

create table flow_stage_bindings (
  id uuid primary key,
  flow_id uuid not null references flows (id) on delete cascade,
  stage_id uuid not null references stages (id) on delete cascade,
  position integer not null,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  constraint flow_stage_bindings_position_key unique (flow_id, position)
);
create trigger flow_stage_bindings_updated_at before update on flow_stage_bindings
  for each row execute function set_updated_at();

create table events (
  id uuid primary key,
  action text not null,
  user_id uuid,
  username text not null default '',
  client_ip inet,
  context jsonb not null default '{}',
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
create index events_created_idx on events (created_at desc);
create index events_action_idx on events (action, created_at desc);

-- Tokens are stored as SHA-256 of the secret; the secret is shown once.
create table tokens (
  id uuid primary key,
  identifier text not null constraint tokens_identifier_key unique,
  user_id uuid not null references users (id) on delete cascade,
  intent text not null check (intent in ('api', 'recovery', 'app_password')),
  key_hash bytea not null constraint tokens_key_hash_key unique,
  expires_at timestamptz,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);

-- One row: facts about the installation that must survive data changes.
create table system_state (
  id boolean primary key default true check (id),
  setup_completed boolean not null default false,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
insert into system_state (id) values (true);
create trigger system_state_updated_at before update on system_state
  for each row execute function set_updated_at();

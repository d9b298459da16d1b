-- Policies (authentik's policies and policy bindings): what decides whether a user may use a
-- flow, run a stage of a flow, or reach an application. The domain (app/src/ssr/policies/)
-- validates every field; the checks here are a second line of defence against other writers.

-- How a target combines its bindings' results: any one passing, or all of them.
alter table flows add column policy_engine_mode text not null default 'any'
  constraint flows_policy_engine_mode_check check (policy_engine_mode in ('any', 'all'));
alter table flow_stage_bindings add column policy_engine_mode text not null default 'any'
  constraint flow_stage_bindings_policy_engine_mode_check check (policy_engine_mode in ('any', 'all'));

create table policies (
  id uuid primary key,
  name text not null constraint policies_name_key unique
    constraint policies_name_check check (length(name) between 1 and 150),
  -- The policy type (`dummy`, `password`, …); `config` holds that type's settings.
  kind text not null,
  execution_logging boolean not null default false,
  config jsonb not null default '{}',
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
create trigger policies_updated_at before update on policies
  for each row execute function set_updated_at();

create table policy_bindings (
  id uuid primary key,
  -- The target: exactly one of these. Deleting it deletes its bindings.
  flow_id uuid references flows (id) on delete cascade,
  flow_stage_binding_id uuid references flow_stage_bindings (id) on delete cascade,
  application_id uuid references applications (id) on delete cascade,
  target uuid not null generated always as (coalesce(flow_id, flow_stage_binding_id, application_id)) stored,
  -- What is evaluated: exactly one of a policy, group membership, or being a given user.
  policy_id uuid references policies (id) on delete cascade,
  group_id uuid references groups (id) on delete cascade,
  user_id uuid references users (id) on delete cascade,
  negate boolean not null default false,
  enabled boolean not null default true,
  position integer not null,
  timeout integer not null default 30
    constraint policy_bindings_timeout_check check (timeout between 1 and 3600),
  -- The result when the policy fails to run (times out, has broken settings).
  failure_result boolean not null default false,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  constraint policy_bindings_target_check
    check (num_nonnulls(flow_id, flow_stage_binding_id, application_id) = 1),
  constraint policy_bindings_subject_check check (num_nonnulls(policy_id, group_id, user_id) = 1)
);
create index policy_bindings_target_idx on policy_bindings (target, position);
create index policy_bindings_policy_idx on policy_bindings (policy_id) where policy_id is not null;
create index policy_bindings_group_idx on policy_bindings (group_id) where group_id is not null;
create index policy_bindings_user_idx on policy_bindings (user_id) where user_id is not null;
create trigger policy_bindings_updated_at before update on policy_bindings
  for each row execute function set_updated_at();

-- System settings (one row, edited in Admin → System → Settings) and the job queue the
-- worker drains.

create table settings (
  id boolean primary key default true constraint settings_single_row check (id),
  -- 'none' by default, so no third-party request is made unless an admin chooses gravatar.
  avatars text not null default 'none'
    constraint settings_avatars_check check (avatars in ('none', 'initials', 'gravatar')),
  allow_change_username boolean not null default false,
  allow_change_name boolean not null default true,
  allow_change_email boolean not null default true,
  event_retention_days integer not null default 365
    constraint settings_retention_check check (event_retention_days between 1 and 36500),
  default_token_length integer not null default 60
    constraint settings_token_length_check check (default_token_length between 32 and 256),
  default_token_duration_minutes integer not null default 30
    constraint settings_token_duration_check check (default_token_duration_minutes between 1 and 525600),
  updated_at timestamptz not null default now()
);
insert into settings (event_retention_days) select event_retention_days from system_state;
insert into settings (id) values (true) on conflict do nothing;
create trigger settings_updated_at before update on settings for each row execute function set_updated_at();
alter table system_state drop column event_retention_days;

-- Jobs are claimed with `for update skip locked`, so several ward processes share them without
-- running one twice. Finished rows stay a while as the task history.
create table jobs (
  id bigint generated always as identity primary key,
  kind text not null,
  payload jsonb not null default '{}',
  -- A periodic job is re-queued by the scheduler after it finishes.
  periodic boolean not null default false,
  status text not null default 'queued'
    constraint jobs_status_check check (status in ('queued', 'running', 'done', 'failed')),
  attempts integer not null default 0,
  max_attempts integer not null default 5,
  run_at timestamptz not null default now(),
  started_at timestamptz,
  finished_at timestamptz,
  duration_ms bigint,
  error text,
  worker text,
  created_at timestamptz not null default now()
);
create index jobs_due_idx on jobs (run_at) where status = 'queued';
create index jobs_running_idx on jobs (started_at) where status = 'running';
create index jobs_kind_finished_idx on jobs (kind, finished_at desc) where finished_at is not null;
create unique index jobs_periodic_pending_key on jobs (kind) where periodic and status in ('queued', 'running');

-- Worker heartbeats, for the dashboard's worker status.
create table workers (
  id text primary key,
  hostname text not null,
  version text not null,
  started_at timestamptz not null default now(),
  last_seen timestamptz not null default now()
);

-- Each blueprint file Ward applies from its directories: what it is, when it was applied, how
-- it went, and the digest of the content applied (a changed file is applied again).
create table blueprint_instances (
  id uuid primary key,
  path text not null constraint blueprint_instances_path_key unique,
  name text not null default '',
  status text not null check (status in ('successful', 'error')),
  content_hash text not null,
  last_applied timestamptz not null default now(),
  error text not null default '',
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
create trigger blueprint_instances_updated_at before update on blueprint_instances
  for each row execute function set_updated_at();

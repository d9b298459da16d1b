-- Applications (authentik's core Application): what the user portal lists and, once Ward has
-- providers, what a provider serves. The domain (app/src/ssr/applications.rs) validates every
-- field; the checks here are a second line of defence against other writers.
create table applications (
  id uuid primary key,
  -- The lookup key in the API and in URLs (`/api/v3/core/applications/<slug>/`).
  slug text not null constraint applications_slug_key unique
    constraint applications_slug_check check (slug ~ '^[a-z0-9_-]{1,50}$'),
  name text not null constraint applications_name_check check (length(name) between 1 and 200),
  -- authentik's `group`: a free-text label the portal groups applications by.
  group_name text not null default ''
    constraint applications_group_check check (length(group_name) <= 200),
  open_in_new_tab boolean not null default false,
  meta_launch_url text not null default ''
    constraint applications_launch_url_check check (
      meta_launch_url = '' or (meta_launch_url ~* '^https?://' and length(meta_launch_url) <= 2000)),
  meta_description text not null default ''
    constraint applications_description_check check (length(meta_description) <= 4000),
  meta_publisher text not null default ''
    constraint applications_publisher_check check (length(meta_publisher) <= 200),
  policy_engine_mode text not null default 'any'
    constraint applications_policy_engine_mode_check check (policy_engine_mode in ('any', 'all')),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
create trigger applications_updated_at before update on applications
  for each row execute function set_updated_at();

-- Property mappings (authentik's PropertyMapping and its types): what a provider hands an
-- application about a user. OAuth2 scope mappings are the first type. `managed` names the
-- built-in ones (authentik's `goauthentik.io/...` ids), which blueprints find by it.
create table property_mappings (
  id uuid primary key,
  name text not null constraint property_mappings_name_key unique
    constraint property_mappings_name_check check (length(name) between 1 and 255),
  kind text not null,
  managed text constraint property_mappings_managed_key unique,
  config jsonb not null default '{}',
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
create trigger property_mappings_updated_at before update on property_mappings
  for each row execute function set_updated_at();

-- Providers (authentik's Provider and its types): how an application signs people in. Each type
-- keeps its settings in `config` (checked by the type in app/src/ssr/providers/); an OAuth2
-- client's id is a column of its own (unique, looked up at every token request) and its secret
-- is sealed with the instance key, never stored in clear.
create table providers (
  id uuid primary key,
  name text not null constraint providers_name_key unique
    constraint providers_name_check check (length(name) between 1 and 150),
  kind text not null,
  config jsonb not null default '{}',
  client_id text constraint providers_client_id_key unique
    constraint providers_client_id_check check (client_id is null or length(client_id) between 1 and 255),
  client_secret bytea,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
create trigger providers_updated_at before update on providers
  for each row execute function set_updated_at();

-- authentik's Application.provider: one provider serves at most one application.
alter table applications add column provider_id uuid
  constraint applications_provider_key unique references providers (id) on delete set null;

-- Brands (authentik's "Brands", formerly tenants): look and default flows per domain, matched on
-- the request's Host. One brand is the default, used when no domain matches.
create table brands (
  id uuid primary key,
  domain citext not null constraint brands_domain_key unique,
  is_default boolean not null default false,
  title text not null default 'Ward',
  -- Paths relative to the media dir (e.g. brands/<hex>.png).
  logo text,
  favicon text,
  background text,
  custom_css text not null default '',
  primary_color text not null default '#4f46e5'
    constraint brands_primary_color_check check (primary_color ~ '^#[0-9a-fA-F]{6}$'),
  -- Slugs of flows; checked when saved, not by a foreign key, so deleting a flow keeps the brand.
  flow_authentication text,
  flow_invalidation text,
  flow_recovery text,
  flow_user_settings text,
  default_application text not null default '',
  footer_links jsonb not null default '[]',
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
create unique index brands_single_default on brands (is_default) where is_default;
create trigger brands_updated_at before update on brands for each row execute function set_updated_at();

insert into brands (id, domain, is_default, title)
values (gen_random_uuid(), 'authentik-default', true, 'Ward');

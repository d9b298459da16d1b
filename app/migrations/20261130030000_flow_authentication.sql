-- Who may start a flow (authentik's flow `authentication`): anyone, only signed-in users, only
-- people not signed in, or only superusers. Checked before the flow's policies.
alter table flows add column authentication text not null default 'none'
  constraint flows_authentication_check check (authentication in (
    'none', 'require_authenticated', 'require_unauthenticated', 'require_superuser'));

-- Flows get authentik's `name` (what admins call it) beside the `title` people see.
alter table flows add column name text not null default '';
update flows set name = initcap(replace(slug, '-', ' '));
alter table flows alter column name drop default;
alter table flows add constraint flows_name_check check (length(name) between 1 and 200);

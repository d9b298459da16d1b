-- Initial setup closes as soon as an active superuser exists, whichever way it came to be: the
-- setup flow, bootstrap, a blueprint, the API, the admin UI, a group made superuser or moved
-- below a superuser group. A trigger makes that one place by construction.

-- The groups whose members are superusers: superuser groups and every group below one. This is
-- the one statement of the rule (users::is_superuser and the setup check read it). `union`
-- stops at a group already seen, so even a cycle written behind the app's back terminates.
create view superuser_groups as
  with recursive down(id) as (
    select id from groups where is_superuser
    union
    select g.id from groups g join down on g.parent_id = down.id
  )
  select id from down;

create index groups_parent_idx on groups (parent_id);
create index groups_superuser_idx on groups (id) where is_superuser;

create function active_superuser_exists() returns boolean language sql stable as $$
  select exists (
    select 1 from group_members m
      join superuser_groups s on s.id = m.group_id
      join users u on u.id = m.user_id
     where u.is_active
  )
$$;

-- Once setup is closed this only reads one row; before, one query per statement.
create function close_setup_when_superuser_exists() returns trigger language plpgsql as $$
begin
  if not (select setup_completed from system_state) and active_superuser_exists() then
    update system_state set setup_completed = true;
  end if;
  return null;
end $$;

create trigger users_close_setup after insert or update of is_active on users
  for each statement execute function close_setup_when_superuser_exists();
create trigger groups_close_setup after insert or update on groups
  for each statement execute function close_setup_when_superuser_exists();
create trigger group_members_close_setup after insert or update on group_members
  for each statement execute function close_setup_when_superuser_exists();

-- Installations where such an admin already exists (e.g. from a blueprint) close now.
update system_state set setup_completed = true where active_superuser_exists();

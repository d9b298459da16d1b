-- Every Ward process caches OAuth2 clients (the token, userinfo and introspection endpoints
-- answer thousands of requests a second). A change that can affect one notifies all processes,
-- which drop their caches; entries also expire on their own.
create function ward_oauth2_changed() returns trigger language plpgsql as $$
begin
  perform pg_notify('ward_oauth2', tg_table_name);
  return null;
end $$;

create trigger providers_oauth2_changed after insert or update or delete on providers
  for each statement execute function ward_oauth2_changed();
create trigger applications_oauth2_changed after insert or update or delete on applications
  for each statement execute function ward_oauth2_changed();
create trigger property_mappings_oauth2_changed after insert or update or delete on property_mappings
  for each statement execute function ward_oauth2_changed();
create trigger certificate_key_pairs_oauth2_changed after update or delete on certificate_key_pairs
  for each statement execute function ward_oauth2_changed();
-- A service account the cache names may be deleted.
create trigger users_oauth2_changed after delete on users
  for each statement execute function ward_oauth2_changed();

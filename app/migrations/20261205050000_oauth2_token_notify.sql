-- Live tokens are cached per process too (introspection and userinfo): a revoked, rotated or
-- deleted token, a deleted login session and a deactivated user clear every process's cache.
create trigger oauth2_tokens_changed after update or delete on oauth2_tokens
  for each statement execute function ward_oauth2_changed();
create trigger user_sessions_oauth2_changed after delete on user_sessions
  for each statement execute function ward_oauth2_changed();
create trigger users_active_oauth2_changed after update of is_active on users
  for each statement execute function ward_oauth2_changed();

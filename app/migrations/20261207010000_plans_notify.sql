-- Every Ward process caches flow plans (a flow with its stages and their bindings: every flow
-- page and protocol sign-in plans one) and, with each OAuth2 client, whether its application
-- binds any policy (most bind none, and then access needs no evaluation). A change to any of
-- these tables drops every process's caches.
create trigger flows_changed after insert or update or delete on flows
  for each statement execute function ward_oauth2_changed();
create trigger stages_changed after insert or update or delete on stages
  for each statement execute function ward_oauth2_changed();
create trigger flow_stage_bindings_changed after insert or update or delete on flow_stage_bindings
  for each statement execute function ward_oauth2_changed();
create trigger policy_bindings_changed after insert or update or delete on policy_bindings
  for each statement execute function ward_oauth2_changed();

-- API and app-password token keys are also kept sealed (AES-256-GCM under the secret key), so
-- their owner or an admin can view them again (authentik's view_key); lookups stay by digest.
alter table tokens add column key_sealed bytea;

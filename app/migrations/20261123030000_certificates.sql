-- Certificate-key pairs (Admin → System → Certificates): generated self-signed or imported, used
-- later for SAML and OIDC signing. The private key is sealed (AES-256-GCM under a key derived from
-- the instance secret), so a database dump alone does not reveal it.

create table certificate_key_pairs (
  id uuid primary key,
  name citext not null constraint certificate_key_pairs_name_key unique,
  certificate_pem text not null,
  -- Null when only the certificate was imported (e.g. to verify someone else's signatures).
  key_sealed bytea,
  key_type text not null,
  subject text not null,
  sans text[] not null default '{}',
  -- SHA-256 of the DER certificate: lowercase hex, no colons.
  fingerprint_sha256 text not null,
  not_before timestamptz not null,
  not_after timestamptz not null,
  -- Set once the expiry warning event is written, so the check warns only once.
  expiry_warned_at timestamptz,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  constraint certificate_key_pairs_name_check check (length(name) between 1 and 150)
);
create trigger certificate_key_pairs_updated_at before update on certificate_key_pairs
  for each row execute function set_updated_at();
create index certificate_key_pairs_not_after_idx on certificate_key_pairs (not_after);

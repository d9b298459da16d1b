-- Sign-in throttle (app/src/ssr/throttle): failure counts per username and per client IP, kept
-- here so every replica sees the same counts. A row is the failures since the count last
-- decayed and when the last one happened; the delay before the next attempt is derived from both.
create table throttle_counters (
  scope text not null check (scope in ('username', 'ip')),
  key text not null,
  failures integer not null check (failures >= 0),
  last_failure timestamptz not null,
  primary key (scope, key)
);

-- authentik's reputation: a score per (identifier, client IP), lowered by failures and raised by
-- successes, read by the reputation policy. Rows expire a day after their last change.
create table reputation (
  id uuid primary key default gen_random_uuid(),
  identifier text not null,
  ip inet not null,
  score integer not null,
  updated timestamptz not null default now(),
  expires timestamptz not null,
  unique (identifier, ip)
);
create index reputation_expires_idx on reputation (expires);
create index reputation_ip_idx on reputation (ip);

-- Email authenticators (issue 13): the address a device sends its codes to. The codes
-- themselves live only in the flow that asked for them (hashed, with their expiry).
alter table mfa_devices add column email text check (email is null or length(email) <= 254);

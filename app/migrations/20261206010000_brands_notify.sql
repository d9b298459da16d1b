-- Every Ward process caches the brand of each host name (every page and flow request needs
-- it): a change to brands notifies all processes, which drop their caches.
create trigger brands_changed after insert or update or delete on brands
  for each statement execute function ward_oauth2_changed();

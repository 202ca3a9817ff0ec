-- auditseal 0011: the head remembers the highest event id in the tenant's log. An id above it
-- cannot be a duplicate, so the sealer looks up only the ids at or below it. Event ids are
-- UUIDv7, which grow with time: a producer's new events are nearly always above everything
-- sealed before, and the dedupe lookup (an index probe per event, about a seventh of
-- PostgreSQL's work per seal) is left for retries and late arrivals. NULL means not known
-- yet: the sealer reads max(id) from the tenant's events the first time it needs it, so this
-- migration reads no event (and needs no permission to see every tenant's).

SET LOCAL ROLE auditseal_owner;

ALTER TABLE auditseal.audit_heads ADD COLUMN max_id uuid;
GRANT UPDATE (max_id) ON auditseal.audit_heads TO auditseal_writer;

COMMENT ON COLUMN auditseal.audit_heads.max_id IS
  'auditseal: highest event id in the log, NULL until known; ids above it skip the dedupe lookup';

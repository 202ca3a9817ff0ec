-- auditseal 0012: what the head remembers is only trusted while it is current, recorded_at
-- never decreases along seq, and two sealers making the same month's partition at once both
-- succeed.
--
-- - max_id (0011) lets the sealer skip the dedupe lookup for ids above it, so a stale value
--   would let a retried event in twice. A sealer that does not know the column (a process of
--   an earlier release, still running during a rolling upgrade) moves the head without it.
--   max_id_size says at which log size max_id was true; when it differs from size, the
--   sealer reads the highest id from the events again.
-- - recorded_at is the latest sealed event's. Seals prepare their events (canonical text with
--   recorded_at, leaf hashes) before taking the head's lock, so two seals of one tenant, or
--   two processes with clocks apart, could seal later events with an earlier time; the
--   sealer compares with this under the lock and re-stamps a batch that would go back.
-- - ensure_event_partition: a caller that waited for the creation lock could still miss the
--   partition its predecessor made (its catalog cache was not refreshed by the wait) and fail
--   with "relation already exists"; now it returns the partition.

SET LOCAL ROLE auditseal_owner;

ALTER TABLE auditseal.audit_heads ADD COLUMN max_id_size bigint;
ALTER TABLE auditseal.audit_heads ADD COLUMN recorded_at timestamptz;
GRANT UPDATE (max_id_size, recorded_at) ON auditseal.audit_heads TO auditseal_writer;

COMMENT ON COLUMN auditseal.audit_heads.max_id_size IS
  'auditseal: the log size at which max_id was the highest id; max_id is not trusted at another size';
COMMENT ON COLUMN auditseal.audit_heads.recorded_at IS
  'auditseal: recorded_at of the latest sealed events; NULL until a seal sets it';

CREATE OR REPLACE FUNCTION auditseal.ensure_event_partition(ts timestamptz) RETURNS text
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, auditseal
AS $$
DECLARE
  month_start timestamp;
  month_end timestamp;
  partition_name text;
  qualified text;
  tenant_expr constant text := $expr$(SELECT NULLIF(current_setting('app.tenant_id', true), '')::uuid)$expr$;
BEGIN
  IF ts IS NULL THEN
    RAISE EXCEPTION 'auditseal: ensure_event_partition needs a timestamp'
      USING ERRCODE = 'null_value_not_allowed';
  END IF;
  month_start := date_trunc('month', ts AT TIME ZONE 'UTC');
  month_end := month_start + interval '1 month';
  partition_name := 'audit_events_p' || to_char(month_start, 'YYYY_MM');
  qualified := format('auditseal.%I', partition_name);

  IF to_regclass(qualified) IS NOT NULL THEN
    RETURN partition_name; -- the common case: no lock taken
  END IF;
  -- One creator at a time; whoever waited finds the partition made.
  PERFORM pg_advisory_xact_lock(7305990120384500002);
  IF to_regclass(qualified) IS NOT NULL THEN
    RETURN partition_name;
  END IF;

  BEGIN
    EXECUTE format(
      'CREATE TABLE %s PARTITION OF auditseal.audit_events FOR VALUES FROM (%L) TO (%L)',
      qualified,
      to_char(month_start, 'YYYY-MM-DD HH24:MI:SS') || '+00',
      to_char(month_end, 'YYYY-MM-DD HH24:MI:SS') || '+00');
  EXCEPTION WHEN duplicate_table OR unique_violation THEN
    -- Made (and committed, triggers and policies included) by whoever held the lock before:
    -- the second to_regclass above can miss it, because waiting on an advisory lock does not
    -- refresh this backend's catalog cache; creating the table does, and finds it.
    RETURN partition_name;
  END;

  EXECUTE format(
    'CREATE TRIGGER audit_events_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON %s '
    'FOR EACH STATEMENT EXECUTE FUNCTION auditseal.reject_change()', qualified);
  EXECUTE format('ALTER TABLE %s ENABLE ALWAYS TRIGGER audit_events_append_only', qualified);
  -- The row trigger is cloned from the parent; make sure the clone fires always as well.
  EXECUTE format('ALTER TABLE %s ENABLE ALWAYS TRIGGER audit_events_append_only_row', qualified);

  EXECUTE format('ALTER TABLE %s ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY', qualified);
  EXECUTE format(
    'CREATE POLICY tenant_writer ON %s FOR ALL TO auditseal_writer USING (tenant_id = %s) '
    'WITH CHECK (tenant_id = %s)', qualified, tenant_expr, tenant_expr);
  EXECUTE format(
    'CREATE POLICY tenant_reader ON %s FOR SELECT TO auditseal_reader USING (tenant_id = %s)',
    qualified, tenant_expr);

  EXECUTE format('REVOKE ALL ON %s FROM PUBLIC', qualified);
  EXECUTE format('GRANT SELECT, INSERT ON %s TO auditseal_writer', qualified);
  EXECUTE format('GRANT SELECT ON %s TO auditseal_reader', qualified);
  RETURN partition_name;
END
$$;

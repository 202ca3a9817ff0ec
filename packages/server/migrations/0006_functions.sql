-- auditseal 0006: the two SECURITY DEFINER functions the writer calls, and the first event
-- partitions. Both run as auditseal_owner with a fixed search_path.

SET LOCAL ROLE auditseal_owner;

-- ensure_event_partition(ts) creates the monthly partition of audit_events that holds ts
-- (UTC months, [first day 00:00, first day of the next month 00:00)) unless it exists, and
-- returns its name, e.g. audit_events_p2026_01. Each partition gets what is not inherited:
-- the TRUNCATE and UPDATE/DELETE statement trigger, ENABLE ALWAYS on its triggers, RLS
-- (enabled, forced, the same policies) and the same grants as the parent.
--
-- Call it in a short transaction of its own before sealing into a new month: CREATE TABLE
-- ... PARTITION OF locks audit_events exclusively until that transaction ends.
CREATE FUNCTION auditseal.ensure_event_partition(ts timestamptz) RETURNS text
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, auditseal
AS $$
DECLARE
  month_start timestamp;
  month_end timestamp;
  partition_name text;
  qualified text;
  tenant_expr constant text := $expr$NULLIF(current_setting('app.tenant_id', true), '')::uuid$expr$;
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

  EXECUTE format(
    'CREATE TABLE %s PARTITION OF auditseal.audit_events FOR VALUES FROM (%L) TO (%L)',
    qualified,
    to_char(month_start, 'YYYY-MM-DD HH24:MI:SS') || '+00',
    to_char(month_end, 'YYYY-MM-DD HH24:MI:SS') || '+00');

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
REVOKE ALL ON FUNCTION auditseal.ensure_event_partition(timestamptz) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION auditseal.ensure_event_partition(timestamptz) TO auditseal_writer;

-- tenants_needing_checkpoint(max_count) is the checkpointer's one cross-tenant read: the
-- heads that grew past their last checkpoint, longest-waiting first. It bypasses the RLS of
-- audit_heads as its owner (RLS there is enabled but not forced) and returns nothing else.
CREATE FUNCTION auditseal.tenants_needing_checkpoint(max_count int)
RETURNS TABLE (tenant_id uuid, size bigint, root_hash bytea, checkpoint_size bigint)
LANGUAGE sql
STABLE
SECURITY DEFINER
SET search_path = pg_catalog, auditseal
AS $$
  SELECT h.tenant_id, h.size, h.root_hash, h.checkpoint_size
  FROM auditseal.audit_heads AS h
  WHERE h.size > h.checkpoint_size
  ORDER BY h.updated_at, h.tenant_id
  LIMIT greatest(max_count, 0)
$$;
REVOKE ALL ON FUNCTION auditseal.tenants_needing_checkpoint(int) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION auditseal.tenants_needing_checkpoint(int) TO auditseal_writer;

-- The current UTC month and the next two.
SELECT auditseal.ensure_event_partition(
  (date_trunc('month', now() AT TIME ZONE 'UTC') + make_interval(months => m)) AT TIME ZONE 'UTC')
FROM generate_series(0, 2) AS m;

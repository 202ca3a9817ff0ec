-- auditseal 0010: the tenant policies compare with the setting read once per statement.
-- `tenant_id = NULLIF(current_setting(...), '')::uuid` was evaluated for every row a policy
-- checked: a setting lookup and a uuid parse per inserted or scanned row. Written as a scalar
-- subquery, PostgreSQL plans it as an InitPlan evaluated once per statement; the meaning is
-- the same (the setting cannot change during a statement) and an index on tenant_id still
-- serves it. Sealing 1,000 events spends about a tenth less in PostgreSQL (docs/benchmarks.md).

SET LOCAL ROLE auditseal_owner;

DO $$
DECLARE
  policy record;
  tenant_expr constant text := $expr$(SELECT NULLIF(current_setting('app.tenant_id', true), '')::uuid)$expr$;
BEGIN
  FOR policy IN
    SELECT tablename, policyname FROM pg_policies
    WHERE schemaname = 'auditseal' AND policyname IN ('tenant_writer', 'tenant_reader')
  LOOP
    IF policy.policyname = 'tenant_writer' THEN
      EXECUTE format('ALTER POLICY tenant_writer ON auditseal.%I USING (tenant_id = %s) WITH CHECK (tenant_id = %s)',
        policy.tablename, tenant_expr, tenant_expr);
    ELSE
      EXECUTE format('ALTER POLICY tenant_reader ON auditseal.%I USING (tenant_id = %s)',
        policy.tablename, tenant_expr);
    END IF;
  END LOOP;
END
$$;

-- New partitions get the same policies.
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

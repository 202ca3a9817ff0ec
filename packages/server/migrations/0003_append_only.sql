-- auditseal 0003: the log tables refuse UPDATE, DELETE and TRUNCATE for every role, the owner
-- included; audit_heads refuses DELETE and TRUNCATE.
--
-- Statement triggers reject the statement even when it touches no row (an owner under FORCE
-- ROW LEVEL SECURITY sees none); row triggers are cloned to every partition, even one that is
-- attached by hand. TRUNCATE fires no row trigger, and statement triggers are not cloned to
-- partitions: auditseal.ensure_event_partition adds them to each partition.
-- ENABLE ALWAYS keeps them firing under session_replication_role = replica.

SET LOCAL ROLE auditseal_owner;

CREATE FUNCTION auditseal.reject_change() RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, auditseal
AS $$
BEGIN
  -- TG_ARGV[0] says what the table is: 'append-only' unless the trigger says otherwise.
  RAISE EXCEPTION 'auditseal: % is %: % is not allowed',
    TG_TABLE_NAME, coalesce(TG_ARGV[0], 'append-only'), TG_OP
    USING ERRCODE = 'insufficient_privilege',
          HINT = 'The audit log is never changed in place; see docs/storage.md.';
END
$$;
REVOKE ALL ON FUNCTION auditseal.reject_change() FROM PUBLIC;

-- The append-only tables.
CREATE TRIGGER audit_events_append_only_row
  BEFORE UPDATE OR DELETE ON auditseal.audit_events
  FOR EACH ROW EXECUTE FUNCTION auditseal.reject_change();
CREATE TRIGGER audit_events_append_only
  BEFORE UPDATE OR DELETE OR TRUNCATE ON auditseal.audit_events
  FOR EACH STATEMENT EXECUTE FUNCTION auditseal.reject_change();
ALTER TABLE auditseal.audit_events ENABLE ALWAYS TRIGGER audit_events_append_only_row;
ALTER TABLE auditseal.audit_events ENABLE ALWAYS TRIGGER audit_events_append_only;

CREATE TRIGGER audit_tree_nodes_append_only_row
  BEFORE UPDATE OR DELETE ON auditseal.audit_tree_nodes
  FOR EACH ROW EXECUTE FUNCTION auditseal.reject_change();
CREATE TRIGGER audit_tree_nodes_append_only
  BEFORE UPDATE OR DELETE OR TRUNCATE ON auditseal.audit_tree_nodes
  FOR EACH STATEMENT EXECUTE FUNCTION auditseal.reject_change();
ALTER TABLE auditseal.audit_tree_nodes ENABLE ALWAYS TRIGGER audit_tree_nodes_append_only_row;
ALTER TABLE auditseal.audit_tree_nodes ENABLE ALWAYS TRIGGER audit_tree_nodes_append_only;

CREATE TRIGGER audit_checkpoints_append_only_row
  BEFORE UPDATE OR DELETE ON auditseal.audit_checkpoints
  FOR EACH ROW EXECUTE FUNCTION auditseal.reject_change();
CREATE TRIGGER audit_checkpoints_append_only
  BEFORE UPDATE OR DELETE OR TRUNCATE ON auditseal.audit_checkpoints
  FOR EACH STATEMENT EXECUTE FUNCTION auditseal.reject_change();
ALTER TABLE auditseal.audit_checkpoints ENABLE ALWAYS TRIGGER audit_checkpoints_append_only_row;
ALTER TABLE auditseal.audit_checkpoints ENABLE ALWAYS TRIGGER audit_checkpoints_append_only;

-- The head cache is updated in place but never removed.
CREATE TRIGGER audit_heads_no_delete_row
  BEFORE DELETE ON auditseal.audit_heads
  FOR EACH ROW EXECUTE FUNCTION auditseal.reject_change('delete-protected');
CREATE TRIGGER audit_heads_no_delete
  BEFORE DELETE OR TRUNCATE ON auditseal.audit_heads
  FOR EACH STATEMENT EXECUTE FUNCTION auditseal.reject_change('delete-protected');
ALTER TABLE auditseal.audit_heads ENABLE ALWAYS TRIGGER audit_heads_no_delete_row;
ALTER TABLE auditseal.audit_heads ENABLE ALWAYS TRIGGER audit_heads_no_delete;

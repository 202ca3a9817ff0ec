-- auditseal 0004: row-level security. A writer or reader transaction sees and writes only the
-- tenant named by the transaction-local setting app.tenant_id
-- (SELECT set_config('app.tenant_id', $1, true)); with no tenant set it sees nothing.
--
-- FORCE makes the policies bind the owner too (only a superuser or a BYPASSRLS role escapes
-- them). audit_heads is not forced, so that auditseal.tenants_needing_checkpoint, a SECURITY
-- DEFINER function of the owner, can scan the heads of all tenants.
-- Partitions of audit_events get the same setup from auditseal.ensure_event_partition.

SET LOCAL ROLE auditseal_owner;

ALTER TABLE auditseal.audit_events ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY;
ALTER TABLE auditseal.audit_tree_nodes ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY;
ALTER TABLE auditseal.audit_checkpoints ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY;
ALTER TABLE auditseal.audit_heads ENABLE ROW LEVEL SECURITY;

-- The writer's policies cover every command (FOR ALL), so WITH CHECK stops a writer scoped to
-- one tenant from inserting another's rows; its privileges and the triggers refuse the rest.
CREATE POLICY tenant_writer ON auditseal.audit_events FOR ALL TO auditseal_writer
  USING (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid)
  WITH CHECK (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid);
CREATE POLICY tenant_reader ON auditseal.audit_events FOR SELECT TO auditseal_reader
  USING (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid);

CREATE POLICY tenant_writer ON auditseal.audit_tree_nodes FOR ALL TO auditseal_writer
  USING (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid)
  WITH CHECK (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid);
CREATE POLICY tenant_reader ON auditseal.audit_tree_nodes FOR SELECT TO auditseal_reader
  USING (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid);

CREATE POLICY tenant_writer ON auditseal.audit_checkpoints FOR ALL TO auditseal_writer
  USING (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid)
  WITH CHECK (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid);
CREATE POLICY tenant_reader ON auditseal.audit_checkpoints FOR SELECT TO auditseal_reader
  USING (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid);

CREATE POLICY tenant_writer ON auditseal.audit_heads FOR ALL TO auditseal_writer
  USING (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid)
  WITH CHECK (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid);
CREATE POLICY tenant_reader ON auditseal.audit_heads FOR SELECT TO auditseal_reader
  USING (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid);

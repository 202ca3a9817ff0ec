-- auditseal 0008: the device gateway's table, and the list of logs `auditseal serve` prints.
--
-- Devices are ordinary mutable data, not the log: the writer role may change and delete
-- them; their history lives in the audit log as device.* events. Like the log tables they
-- belong to auditseal_owner, and row-level security (forced, so the owner too) keeps each
-- reader and writer transaction to the tenant in app.tenant_id.

SET LOCAL ROLE auditseal_owner;

CREATE TABLE auditseal.devices (
  tenant_id uuid NOT NULL,
  id uuid NOT NULL,
  serial_number text COLLATE "C" NOT NULL,
  name text,
  model text,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, id),
  -- The gateway answers 409 on this constraint's name; do not rename it.
  CONSTRAINT devices_tenant_serial_number_key UNIQUE (tenant_id, serial_number),
  -- The API's limits again, so no other writer can store what the API would refuse.
  CONSTRAINT devices_serial_number_length CHECK (char_length(serial_number) BETWEEN 1 AND 128),
  CONSTRAINT devices_name_length CHECK (char_length(name) BETWEEN 1 AND 200),
  CONSTRAINT devices_model_length CHECK (char_length(model) BETWEEN 1 AND 200)
);

ALTER TABLE auditseal.devices ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_writer ON auditseal.devices FOR ALL TO auditseal_writer
  USING (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid)
  WITH CHECK (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid);
CREATE POLICY tenant_reader ON auditseal.devices FOR SELECT TO auditseal_reader
  USING (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid);

REVOKE ALL ON auditseal.devices FROM PUBLIC;
GRANT SELECT, INSERT, UPDATE, DELETE ON auditseal.devices TO auditseal_writer;
GRANT SELECT ON auditseal.devices TO auditseal_reader;

-- log_tenants() lists the tenants whose log holds at least one event, so that `auditseal
-- serve` can print each log's verifier key at start. Like tenants_needing_checkpoint it reads
-- audit_heads as its owner (RLS there is enabled, not forced) and returns only tenant ids.
CREATE FUNCTION auditseal.log_tenants(max_count int)
RETURNS TABLE (tenant_id uuid, size bigint)
LANGUAGE sql
STABLE
SECURITY DEFINER
SET search_path = pg_catalog, auditseal
AS $$
  SELECT h.tenant_id, h.size
  FROM auditseal.audit_heads AS h
  WHERE h.size > 0
  ORDER BY h.tenant_id
  LIMIT greatest(max_count, 0)
$$;
REVOKE ALL ON FUNCTION auditseal.log_tenants(int) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION auditseal.log_tenants(int) TO auditseal_reader;

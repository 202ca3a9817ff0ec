-- auditseal 0007: API keys of the HTTP API (docs/api.md).
--
-- A key is shown once as `ask_<id>_<secret>`; only `id` (public, the lookup key) and a
-- SHA-256 of the secret are stored. Each key belongs to one tenant and carries scopes
-- (ingest, read, admin). A key is never deleted, only revoked: which credential could write
-- to a tenant's log, and when, is itself evidence.
--
-- Authentication happens before the tenant is known, so the lookup by id goes through
-- auditseal.api_key_for_auth, a SECURITY DEFINER function of the owner: RLS on the table is
-- enabled but not forced (as on audit_heads), so the owner bypasses it and nothing else does.

SET LOCAL ROLE auditseal_owner;

CREATE TABLE auditseal.api_keys (
  id text COLLATE "C" PRIMARY KEY,
  tenant_id uuid NOT NULL,
  name text,
  scopes text[] NOT NULL,
  secret_hash bytea NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  revoked_at timestamptz,
  CONSTRAINT api_keys_id_format CHECK (id ~ '^[0-9a-f]{24}$'),
  CONSTRAINT api_keys_scopes_known
    CHECK (cardinality(scopes) > 0 AND scopes <@ ARRAY['ingest', 'read', 'admin']::text[]),
  CONSTRAINT api_keys_secret_hash_size CHECK (octet_length(secret_hash) = 32),
  CONSTRAINT api_keys_name_length CHECK (char_length(name) BETWEEN 1 AND 200)
);
CREATE INDEX api_keys_tenant_idx ON auditseal.api_keys (tenant_id);

COMMENT ON TABLE auditseal.api_keys IS 'auditseal: API keys (hashed); revoked, never deleted';

ALTER TABLE auditseal.api_keys ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_writer ON auditseal.api_keys FOR ALL TO auditseal_writer
  USING (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid)
  WITH CHECK (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid);
CREATE POLICY tenant_reader ON auditseal.api_keys FOR SELECT TO auditseal_reader
  USING (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid);

REVOKE ALL ON auditseal.api_keys FROM PUBLIC;
GRANT SELECT, INSERT ON auditseal.api_keys TO auditseal_writer;
GRANT UPDATE (revoked_at) ON auditseal.api_keys TO auditseal_writer;
GRANT SELECT ON auditseal.api_keys TO auditseal_reader;

-- Rows stay: DELETE and TRUNCATE are rejected for every role, as on audit_heads.
CREATE TRIGGER api_keys_no_delete_row
  BEFORE DELETE ON auditseal.api_keys
  FOR EACH ROW EXECUTE FUNCTION auditseal.reject_change('delete-protected');
CREATE TRIGGER api_keys_no_delete
  BEFORE DELETE OR TRUNCATE ON auditseal.api_keys
  FOR EACH STATEMENT EXECUTE FUNCTION auditseal.reject_change('delete-protected');
ALTER TABLE auditseal.api_keys ENABLE ALWAYS TRIGGER api_keys_no_delete_row;
ALTER TABLE auditseal.api_keys ENABLE ALWAYS TRIGGER api_keys_no_delete;

-- Revocation is one-way: an UPDATE may only set revoked_at on a key that is not revoked yet,
-- and may change nothing else (the writer's column grant says the same; this binds the owner).
CREATE FUNCTION auditseal.api_keys_revoke_only() RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, auditseal
AS $$
BEGIN
  IF OLD.revoked_at IS NOT NULL OR NEW.revoked_at IS NULL
     OR (NEW.id, NEW.tenant_id, NEW.name, NEW.scopes, NEW.secret_hash, NEW.created_at)
        IS DISTINCT FROM (OLD.id, OLD.tenant_id, OLD.name, OLD.scopes, OLD.secret_hash, OLD.created_at)
  THEN
    RAISE EXCEPTION 'auditseal: api_keys may only be revoked, once'
      USING ERRCODE = 'insufficient_privilege';
  END IF;
  RETURN NEW;
END
$$;
REVOKE ALL ON FUNCTION auditseal.api_keys_revoke_only() FROM PUBLIC;
CREATE TRIGGER api_keys_revoke_only
  BEFORE UPDATE ON auditseal.api_keys
  FOR EACH ROW EXECUTE FUNCTION auditseal.api_keys_revoke_only();
ALTER TABLE auditseal.api_keys ENABLE ALWAYS TRIGGER api_keys_revoke_only;

-- api_key_for_auth(key_id) returns what authentication needs of one key and nothing else.
-- The caller compares the secret's hash (in constant time) and checks `revoked`.
CREATE FUNCTION auditseal.api_key_for_auth(key_id text)
RETURNS TABLE (tenant_id uuid, scopes text[], secret_hash bytea, revoked boolean)
LANGUAGE sql
STABLE
SECURITY DEFINER
SET search_path = pg_catalog, auditseal
AS $$
  SELECT k.tenant_id, k.scopes, k.secret_hash, k.revoked_at IS NOT NULL
  FROM auditseal.api_keys AS k
  WHERE k.id = key_id
$$;
REVOKE ALL ON FUNCTION auditseal.api_key_for_auth(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION auditseal.api_key_for_auth(text) TO auditseal_reader;

-- auditseal 0001: the three cluster-wide roles and the privileges on the schema.
--
-- Roles are global to the cluster, and several databases may be migrated at once (tests do
-- that), so each CREATE ROLE tolerates a concurrent creator: two sessions can both see the
-- role missing, and the loser gets duplicate_object or unique_violation.
--
--   auditseal_owner   owns every table and function; no login, reached only by SET ROLE.
--   auditseal_writer  what sealing and checkpointing need: INSERT (and SELECT) on the log.
--   auditseal_reader  SELECT only.
--
-- The application logs in as any role that is a member of writer and reader and runs each
-- transaction under SET LOCAL ROLE (docs/storage.md).

DO $$
DECLARE
  role_name text;
BEGIN
  FOREACH role_name IN ARRAY ARRAY['auditseal_owner', 'auditseal_writer', 'auditseal_reader'] LOOP
    IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = role_name) THEN
      BEGIN
        EXECUTE format('CREATE ROLE %I NOLOGIN', role_name);
      EXCEPTION
        WHEN duplicate_object OR unique_violation THEN
          NULL; -- another session created it first
      END;
    END IF;
  END LOOP;
END
$$;

-- The later migrations run their DDL under SET LOCAL ROLE auditseal_owner so that the owner
-- role owns what they create. A superuser may always do that; any other migrating role (the
-- database owner, with CREATEROLE) becomes a member of auditseal_owner here.
DO $$
BEGIN
  IF NOT pg_catalog.pg_has_role(current_user, 'auditseal_owner', 'MEMBER') THEN
    BEGIN
      EXECUTE format('GRANT auditseal_owner TO %I', current_user);
    EXCEPTION
      WHEN unique_violation THEN
        NULL; -- another session granted it first
    END;
  END IF;
END
$$;

-- The schema was created by the migration runner and belongs to the migrating role; the
-- owner role creates the objects in it, the application roles only use them.
REVOKE ALL ON SCHEMA auditseal FROM PUBLIC;
GRANT USAGE, CREATE ON SCHEMA auditseal TO auditseal_owner;
GRANT USAGE ON SCHEMA auditseal TO auditseal_writer, auditseal_reader;

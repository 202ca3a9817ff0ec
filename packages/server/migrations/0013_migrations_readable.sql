-- auditseal 0013: the reader may see which migrations were applied. The recommended login of
-- `auditseal serve` (docs/storage.md, Roles) acts only through SET ROLE auditseal_writer or
-- auditseal_reader; /readyz asks, as the reader, whether a migration is pending, where it
-- once asked as the login and found the schema closed to it.
-- schema_migrations belongs to the role that bootstrapped migrations, which runs this file
-- before taking the owner's role: only it may grant on the table.

GRANT SELECT ON auditseal.schema_migrations TO auditseal_reader;

-- auditseal 0005: who may do what. Nothing is granted to PUBLIC; the writer gets what sealing
-- and checkpointing need, the reader SELECT. INSERT ... RETURNING and the dedupe lookup need
-- SELECT, so the writer has it too.

SET LOCAL ROLE auditseal_owner;

-- Functions created by the owner from now on are not executable by PUBLIC either.
ALTER DEFAULT PRIVILEGES FOR ROLE auditseal_owner IN SCHEMA auditseal
  REVOKE EXECUTE ON FUNCTIONS FROM PUBLIC;

REVOKE ALL ON auditseal.audit_events, auditseal.audit_tree_nodes, auditseal.audit_heads,
  auditseal.audit_checkpoints FROM PUBLIC;

GRANT SELECT, INSERT ON auditseal.audit_events, auditseal.audit_tree_nodes,
  auditseal.audit_checkpoints TO auditseal_writer;
GRANT SELECT, INSERT ON auditseal.audit_heads TO auditseal_writer;
GRANT UPDATE (size, root_hash, frontier, checkpoint_size, updated_at)
  ON auditseal.audit_heads TO auditseal_writer;

GRANT SELECT ON auditseal.audit_events, auditseal.audit_tree_nodes, auditseal.audit_heads,
  auditseal.audit_checkpoints TO auditseal_reader;

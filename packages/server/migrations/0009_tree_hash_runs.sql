-- auditseal 0009: stored tree hashes in runs. Go tlog's StoredHashIndex numbers a log's hashes
-- so that each append adds one contiguous range of indexes; a seal now stores that range as
-- one row (its first index and the hashes, 32 bytes each, concatenated) instead of one row per
-- hash — about two thousand fewer index entries per thousand events. A proof still reads
-- O(log n) rows: each index is found in the run that starts at or before it.
-- Rows written before this migration are runs of one hash, so nothing is rewritten.

SET LOCAL ROLE auditseal_owner;

ALTER TABLE auditseal.audit_tree_nodes RENAME COLUMN idx TO first_idx;
ALTER TABLE auditseal.audit_tree_nodes RENAME COLUMN hash TO hashes;
ALTER TABLE auditseal.audit_tree_nodes
  ADD CONSTRAINT audit_tree_nodes_whole_hashes
  CHECK (octet_length(hashes) > 0 AND octet_length(hashes) % 32 = 0);
-- Out of line and uncompressed (hashes do not compress): reading one hash fetches one chunk.
ALTER TABLE auditseal.audit_tree_nodes ALTER COLUMN hashes SET STORAGE EXTERNAL;

COMMENT ON TABLE auditseal.audit_tree_nodes IS
  'auditseal: stored Merkle hashes, one run of consecutive StoredHashIndex entries per row; append-only';

-- auditseal 0002: the log tables and the indexes that serve the query API.
-- Created by auditseal_owner, which therefore owns them.

SET LOCAL ROLE auditseal_owner;

-- One row per sealed event. `canonical` is the exact RFC 8785 JSON the leaf hash was computed
-- from, so the row can be re-hashed without trusting any other column. Monthly range
-- partitions on recorded_at (auditseal.ensure_event_partition creates them); a primary key of
-- a partitioned table must contain the partition key, hence (tenant_id, seq, recorded_at).
CREATE TABLE auditseal.audit_events (
  tenant_id uuid NOT NULL,
  seq bigint NOT NULL,
  id uuid NOT NULL,
  type text COLLATE "C" NOT NULL,
  outcome text NOT NULL,
  actor_type text COLLATE "C" NOT NULL,
  actor_id text COLLATE "C" NOT NULL,
  target_type text COLLATE "C",
  target_id text COLLATE "C",
  occurred_at timestamptz NOT NULL,
  recorded_at timestamptz NOT NULL,
  canonical text NOT NULL,
  leaf_hash bytea NOT NULL,
  PRIMARY KEY (tenant_id, seq, recorded_at)
) PARTITION BY RANGE (recorded_at);

-- Dedupe lookups by event id. Not unique: a unique index cannot span time partitions without
-- the partition key, so the sealer checks under the tenant's head lock.
CREATE INDEX audit_events_tenant_id_idx ON auditseal.audit_events (tenant_id, id);
CREATE INDEX audit_events_type_idx ON auditseal.audit_events (tenant_id, type, seq);
CREATE INDEX audit_events_actor_idx ON auditseal.audit_events (tenant_id, actor_id, seq);
CREATE INDEX audit_events_target_idx
  ON auditseal.audit_events (tenant_id, target_type, target_id, seq);
CREATE INDEX audit_events_occurred_idx ON auditseal.audit_events (tenant_id, occurred_at);
-- No text-search index: under row-level security PostgreSQL only uses an index for leakproof
-- operators, and `@@` is not one, so a GIN index could never serve the reader role; it only
-- cost inserts (COPY fell from ~50,000 to ~10,000 events/s with it). Text search (`q`) is a
-- filter applied while walking the tenant's events by seq (docs/storage.md).

-- Stored Merkle hashes, in the dense order of Go tlog's StoredHashIndex, so a proof is one
-- batched read of O(log n) rows.
CREATE TABLE auditseal.audit_tree_nodes (
  tenant_id uuid NOT NULL,
  idx bigint NOT NULL,
  hash bytea NOT NULL,
  PRIMARY KEY (tenant_id, idx)
);

-- The tenant's current tree: a cache for the sealer (size, root and the right border of
-- perfect subtrees, largest first), never trusted by the verifier. The one mutable table.
CREATE TABLE auditseal.audit_heads (
  tenant_id uuid PRIMARY KEY,
  size bigint NOT NULL,
  root_hash bytea NOT NULL,
  frontier bytea[] NOT NULL,
  checkpoint_size bigint NOT NULL DEFAULT 0,
  updated_at timestamptz NOT NULL
);
-- The checkpointer's scan: heads that grew past their last checkpoint.
CREATE INDEX audit_heads_behind_idx ON auditseal.audit_heads (updated_at)
  WHERE size > checkpoint_size;

-- Signed C2SP checkpoints, one per (tenant, tree size).
CREATE TABLE auditseal.audit_checkpoints (
  tenant_id uuid NOT NULL,
  tree_size bigint NOT NULL,
  root_hash bytea NOT NULL,
  note text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, tree_size)
);

COMMENT ON TABLE auditseal.audit_events IS 'auditseal: sealed events; append-only';
COMMENT ON TABLE auditseal.audit_tree_nodes IS 'auditseal: stored Merkle hashes; append-only';
COMMENT ON TABLE auditseal.audit_heads IS 'auditseal: per-tenant tree head cache; no DELETE';
COMMENT ON TABLE auditseal.audit_checkpoints IS 'auditseal: signed checkpoints; append-only';

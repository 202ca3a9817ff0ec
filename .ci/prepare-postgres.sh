#!/usr/bin/env bash
# Prepares the local PostgreSQL primary for tests that start a streaming replica
# (packages/server/test/support/replica.ts). Idempotent: safe to run any number of times.
#
#   - starts the cluster if nothing answers on 127.0.0.1:$PGPORT;
#   - makes sure user postgres may open a replication connection from 127.0.0.1 without a
#     password (inserts `host replication postgres 127.0.0.1/32 trust` ahead of the other
#     rules of pg_hba.conf unless such a connection already works), then reloads;
#   - makes sure wal_level is replica or logical and max_wal_senders and
#     max_replication_slots are above 0 (ALTER SYSTEM + restart otherwise).
#
# Prints one line saying what it did. Run as root (or as postgres).
# Overridable: PG_VERSION (15), PG_CLUSTER (main), PGPORT (5432).
set -euo pipefail

PG_VERSION="${PG_VERSION:-15}"
PG_CLUSTER="${PG_CLUSTER:-main}"
PGPORT="${PGPORT:-5432}"
HOST=127.0.0.1
BIN="/usr/lib/postgresql/${PG_VERSION}/bin"
HBA_LINE='host replication postgres 127.0.0.1/32 trust'
HBA_MARK='# added by auditseal .ci/prepare-postgres.sh: streaming replicas in tests'

die() {
  echo "prepare-postgres: $*" >&2
  exit 1
}

# Runs a command as the postgres OS user: the server refuses root, and peer authentication
# on the local socket lets postgres in whatever pg_hba.conf says about TCP.
as_postgres() {
  if [ "$(id -u)" -eq 0 ]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

# One query on the primary, through the local socket, as the database superuser.
sql() {
  as_postgres "$BIN/psql" -X -A -t -q -v ON_ERROR_STOP=1 -p "$PGPORT" -d postgres -c "$1"
}

ready() {
  "$BIN/pg_isready" -q -h "$HOST" -p "$PGPORT" -t 2
}

wait_ready() {
  local i
  for i in $(seq 1 60); do
    ready && return 0
    sleep 0.5
  done
  die "the primary does not accept connections on $HOST:$PGPORT after 30 s"
}

# Does a password-less replication connection as postgres from 127.0.0.1 work? This asks the
# server itself, so any equivalent (or broader) rule already in pg_hba.conf counts.
replication_works() {
  env -u PGPASSWORD PGPASSFILE=/dev/null PGCONNECT_TIMEOUT=5 \
    "$BIN/psql" -X -A -t -q \
    "host=$HOST port=$PGPORT user=postgres dbname=postgres replication=true" \
    -c 'IDENTIFY_SYSTEM' >/dev/null 2>&1
}

done_parts=()

# 1. The primary is running.
if ready; then
  done_parts+=("primary $HOST:$PGPORT already running")
else
  command -v pg_ctlcluster >/dev/null || die "pg_ctlcluster not found (postgresql-common)"
  pg_ctlcluster --skip-systemctl-redirect "$PG_VERSION" "$PG_CLUSTER" start ||
    die "could not start cluster $PG_VERSION/$PG_CLUSTER"
  wait_ready
  done_parts+=("started cluster $PG_VERSION/$PG_CLUSTER")
fi

# 2. WAL settings a streaming replica needs.
wal_level="$(sql 'SHOW wal_level')"
max_wal_senders="$(sql 'SHOW max_wal_senders')"
max_replication_slots="$(sql 'SHOW max_replication_slots')"
if [[ "$wal_level" != replica && "$wal_level" != logical ]] ||
  [ "$max_wal_senders" -le 0 ] || [ "$max_replication_slots" -le 0 ]; then
  [[ "$wal_level" == replica || "$wal_level" == logical ]] ||
    sql "ALTER SYSTEM SET wal_level = 'replica'" >/dev/null
  [ "$max_wal_senders" -gt 0 ] || sql 'ALTER SYSTEM SET max_wal_senders = 10' >/dev/null
  [ "$max_replication_slots" -gt 0 ] || sql 'ALTER SYSTEM SET max_replication_slots = 10' >/dev/null
  pg_ctlcluster --skip-systemctl-redirect "$PG_VERSION" "$PG_CLUSTER" restart ||
    die "could not restart cluster $PG_VERSION/$PG_CLUSTER after ALTER SYSTEM"
  wait_ready
  wal_level="$(sql 'SHOW wal_level')"
  max_wal_senders="$(sql 'SHOW max_wal_senders')"
  max_replication_slots="$(sql 'SHOW max_replication_slots')"
  done_parts+=("set wal_level=$wal_level max_wal_senders=$max_wal_senders max_replication_slots=$max_replication_slots and restarted")
else
  done_parts+=("wal_level=$wal_level max_wal_senders=$max_wal_senders max_replication_slots=$max_replication_slots ok")
fi

# 3. Password-less replication connections for postgres from 127.0.0.1.
if replication_works; then
  done_parts+=("replication from $HOST as postgres already allowed")
else
  hba_file="$(sql 'SHOW hba_file')"
  [ -f "$hba_file" ] || die "pg_hba.conf not found at '$hba_file'"
  if ! grep -qxF "$HBA_LINE" "$hba_file"; then
    # pg_hba.conf is first-match: the line goes ahead of the first rule, or a default rule
    # like `host replication all 127.0.0.1/32 scram-sha-256` would still win. Rewritten in
    # place (cat >) so the file keeps its owner and mode.
    tmp="$(mktemp)"
    awk -v line="$HBA_LINE" -v mark="$HBA_MARK" '
      !done && $0 !~ /^[[:space:]]*(#|$)/ { print mark; print line; done = 1 }
      { print }
      END { if (!done) { print mark; print line } }
    ' "$hba_file" >"$tmp"
    cat "$tmp" >"$hba_file"
    rm -f "$tmp"
  fi
  [ "$(sql 'SELECT pg_reload_conf()')" = t ] || die "pg_reload_conf() failed"
  for i in $(seq 1 20); do
    replication_works && break
    sleep 0.25
  done
  replication_works || die "replication connections as postgres from $HOST still fail after \
adding '$HBA_LINE' to $hba_file (see: SELECT * FROM pg_hba_file_rules WHERE error IS NOT NULL)"
  done_parts+=("added '$HBA_LINE' to $hba_file and reloaded")
fi

summary="$(printf '%s; ' "${done_parts[@]}")"
echo "prepare-postgres: ${summary%; }"

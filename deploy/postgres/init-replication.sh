#!/bin/bash
# Primary only, run once by the postgres image's entrypoint when it initialises the data directory:
# - `trading_app`, the service's role: a login that owns the `trading` database (so its migrations
#   can create tables), no superuser. What it cannot take, superuser_reserved_connections keeps for
#   an operator: when the fleet's pools fill every other slot, psql as postgres still gets in.
# - `replicator` and the pg_hba line the replica's pg_basebackup needs.
# - synchronous commits: a commit is acknowledged once a standby has flushed it, so an order the
#   service acknowledged survives the primary's death and the replica's promotion
#   (docs/database.md, "Durability across a failover"). ALTER SYSTEM takes effect when the image
#   restarts the server after this script; the replica overrides it on its command line, as it has
#   no standby to wait for once promoted.
set -euo pipefail
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" <<SQL
CREATE ROLE trading_app WITH LOGIN NOSUPERUSER PASSWORD '${APP_DB_PASSWORD}';
CREATE DATABASE trading OWNER trading_app;
CREATE ROLE replicator WITH REPLICATION LOGIN PASSWORD '${REPLICATION_PASSWORD}';
ALTER SYSTEM SET synchronous_standby_names = '*';
SQL
echo "host replication replicator all scram-sha-256" >> "$PGDATA/pg_hba.conf"

#!/usr/bin/env bash
# Installs the Debian packages the integration tests start servers from, when they are missing.
# Idempotent; needs root (or sudo) only when something is missing.
set -euo pipefail

declare -A NEED=(
  [/usr/lib/postgresql]=postgresql
  [/usr/bin/psql]=postgresql-client
  [/usr/bin/redis-server]=redis-server
  [/usr/bin/redis-cli]=redis-tools
  [/usr/bin/redis-sentinel]=redis-sentinel
  [/usr/bin/influxd]=influxdb
  [/usr/bin/promtool]=prometheus
  [/usr/bin/docker-compose]=docker-compose
  [/usr/bin/wrk]=wrk
  [/usr/sbin/haproxy]=haproxy
  [/usr/bin/amtool]=prometheus-alertmanager
  [/usr/sbin/nats-server]=nats-server
)
missing=()
for path in "${!NEED[@]}"; do
  [ -e "$path" ] || missing+=("${NEED[$path]}")
done
# node-gyp needs a compiler and python for native modules (better-sqlite3 builds from source here).
command -v g++ >/dev/null || missing+=(g++)
command -v make >/dev/null || missing+=(make)
command -v python3 >/dev/null || missing+=(python3)

if [ ${#missing[@]} -eq 0 ]; then
  echo "system packages: all present"
  exit 0
fi
echo "system packages: installing ${missing[*]}"
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# The packaged services must not start on their standard ports: the tests start their own.
if [ ! -e /usr/sbin/policy-rc.d ]; then
  printf '#!/bin/sh\nexit 101\n' | $SUDO tee /usr/sbin/policy-rc.d >/dev/null
  $SUDO chmod +x /usr/sbin/policy-rc.d
  trap '$SUDO rm -f /usr/sbin/policy-rc.d' EXIT
fi
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"

#!/usr/bin/env bash
# The whole test suite on a fresh Debian machine: system packages, npm ci, lint, type-check,
# build, compose validation, then unit, integration and e2e tests against real servers
# that the tests start themselves. Exits non-zero on the first failure.
set -euo pipefail
cd "$(dirname "$0")/.."
step() { printf '\n==== %s\n' "$*"; }

step "system packages";   bash scripts/install-system-deps.sh
step "npm ci";            npm ci --no-audit --no-fund
step "lint";              npm run --silent lint
step "type-check";        npm run --silent typecheck
step "build";             npm run --silent build
step "docker-compose";    docker-compose -f docker-compose.yml config -q && echo "docker-compose.yml is valid"
step "tests";             npm test

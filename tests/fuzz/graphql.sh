#!/usr/bin/env bash
# Fuzzes the running API with schemathesis (PyPI): queries and mutations generated from
# `schema.graphql`, sent as an ADMIN so resolvers run rather than stop at the door. Fails when
# any response is a server error: HTTP 5xx, not a GraphQL response, or an error without a code
# or coded INTERNAL (the check is in tests/fuzz/hooks.py; refusals with a code are the contract).
#
# Usage: tests/fuzz/graphql.sh [seconds]     (default 60; needs `cargo build` and python3)
set -euo pipefail
cd "$(dirname "$0")/../.."

SECONDS_BUDGET="${1:-60}"
PORT="${QCDC_FUZZ_PORT:-18181}"
BIN="${CARGO_TARGET_DIR:-target}/debug/qcdc"
WORK="$(mktemp -d)"
trap 'kill "$SERVER" 2>/dev/null || true; wait "$SERVER" 2>/dev/null || true; rm -rf "$WORK"' EXIT

python3 -m pip install --quiet --disable-pip-version-check 'schemathesis==4.32.5' >/dev/null 2>&1 \
  || python3 -m pip install --quiet --disable-pip-version-check 'schemathesis==4.32.5'

QCDC_DATABASE_URL="sqlite://$WORK/fuzz.db?mode=rwc" QCDC_LISTEN="127.0.0.1:$PORT" \
  RUST_LOG=warn "$BIN" serve >"$WORK/server.log" 2>&1 &
SERVER=$!
for _ in $(seq 1 100); do
  curl -fsS "http://127.0.0.1:$PORT/readyz" >/dev/null 2>&1 && break
  sleep 0.2
done

TOKEN="$(curl -fsS "http://127.0.0.1:$PORT/graphql" -H 'content-type: application/json' \
  -d '{"query":"mutation { login(username: \"admin\", password: \"qcdc-demo\") { accessToken } }"}' \
  | python3 -c 'import json,sys; print(json.load(sys.stdin)["data"]["login"]["accessToken"])')"

status=0
# The committed contract, not introspection: the server's depth limit refuses the deeply nested
# standard introspection query, as it should for any client.
# Mutations that would end the fuzzing account's own session are left out.
SCHEMATHESIS_HOOKS=hooks PYTHONPATH=tests/fuzz \
schemathesis run schema.graphql --url "http://127.0.0.1:$PORT/graphql" \
  --header "Authorization: Bearer $TOKEN" \
  --checks no_server_error \
  --exclude-name-regex '^MutationRoot\.(logout|updateUser|resetPassword|revokeGrant)$' \
  --max-time "$SECONDS_BUDGET" \
  --workers 2 \
  --seed 20261128 \
  --warnings off || status=$?

# A resolver failure answers HTTP 200 with an INTERNAL error; the server logs each one.
internal=$(grep -c 'internal error' "$WORK/server.log" || true)
echo "fuzz: schemathesis exit $status, internal errors logged: $internal"
if [ "$internal" -gt 0 ]; then
  grep 'internal error' "$WORK/server.log" | head -20
  exit 1
fi
exit "$status"

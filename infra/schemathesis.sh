#!/usr/bin/env bash
# The contract tier's fuzzing (infra/contract.sh runs it twice): schemathesis (pinned in
# infra/requirements-test.txt) over the OpenAPI document the local server serves, against that
# server on a fresh embedded store, with a valid token. Every operation, schemathesis's default
# checks, one seed (SCHEMATHESIS_SEED, 20261202 by default), one worker and a bounded number of
# examples, so a run is repeatable from its seed.
# infra/schemathesis.toml says where a check is told which statuses an operation may answer,
# and why. Fails loudly when schemathesis cannot be installed or started.
set -euo pipefail
cd "$(dirname "$0")/.."
VENV="${VENV:-$PWD/.venv}"
TARGET="${CARGO_TARGET_DIR:-$PWD/target}"
SEED="${SCHEMATHESIS_SEED:-20261202}"
EXAMPLES="${SCHEMATHESIS_EXAMPLES:-30}"
fail() { printf '\nFAILED: %s\n' "$*" >&2; exit 1; }

ST="$VENV/bin/schemathesis"
[ -x "$ST" ] || fail "schemathesis is not installed in $VENV (pip install -r infra/requirements-test.txt)"
"$ST" --version || fail "schemathesis does not start"

cargo build --quiet -p infra --bin local || fail "cargo build -p infra --bin local"
DATA=$(mktemp -d)
SERVER=
trap '[ -n "$SERVER" ] && kill $SERVER 2>/dev/null; rm -rf "$DATA"' EXIT
. infra/local-server.sh
start_local_server "$TARGET/debug/local" "$DATA"

echo "schemathesis against $URL (seed $SEED, at most $EXAMPLES examples per operation)"
started=$(date +%s)
status=0
"$ST" --config-file infra/schemathesis.toml run "$URL/openapi.json" \
  --header "Authorization: Bearer $TOKEN" \
  --seed "$SEED" --max-examples "$EXAMPLES" --workers 1 --generation-database none \
  --request-timeout 60 \
  --no-color || status=$?
echo "schemathesis wall time: $(( $(date +%s) - started )) s"
if ! kill -0 $SERVER 2>/dev/null; then
  cat "$LOG"
  fail "the local server died during the run"
fi
[ "$status" -eq 0 ] || { tail -50 "$LOG"; fail "schemathesis found failures (exit $status)"; }

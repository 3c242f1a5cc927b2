#!/usr/bin/env bash
# The contract tier: schemathesis (pinned in infra/requirements-test.txt) over the OpenAPI
# document the local server serves, against that server on a fresh embedded store, with a
# valid token. Every operation, schemathesis's default checks, a fixed seed, one worker and a
# bounded number of examples, so the run is deterministic and takes a few minutes.
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
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
# A fresh store, no gateway key (messages go to the local outbox), quiet logs.
export DATA_DIR="$DATA" PORT RUST_LOG=warn
unset STARSENDER_API_KEY JWT_ISSUER JWT_AUDIENCE CORS_ALLOW_ORIGINS
TOKEN=$("$TARGET/debug/local" token 2) || fail "local token"
"$TARGET/debug/local" >"$DATA/server.log" 2>&1 &
SERVER=$!
trap 'kill $SERVER 2>/dev/null || true; rm -rf "$DATA"' EXIT
URL="http://127.0.0.1:$PORT"
for _ in $(seq 1 100); do
  curl -sf -o /dev/null "$URL/openapi.json" && break
  kill -0 $SERVER 2>/dev/null || { cat "$DATA/server.log"; fail "the local server exited"; }
  sleep 0.2
done
curl -sf -o /dev/null "$URL/openapi.json" || { cat "$DATA/server.log"; fail "the local server did not start on $URL"; }

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
  cat "$DATA/server.log"
  fail "the local server died during the run"
fi
[ "$status" -eq 0 ] || { tail -50 "$DATA/server.log"; fail "schemathesis found failures (exit $status)"; }

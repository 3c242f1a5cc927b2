#!/usr/bin/env bash
# Runs every test tier on this machine, installing what it needs first:
#   lints, unit + API + conformance (embedded and DynamoDB on moto) + template check,
#   the Lambda tier (cargo lambda watch/invoke), the browser tier (the staff page in headless
#   Chromium), cfn-lint, the hostile tier (crafted files posted to the local server built with
#   panic = abort), and the contract tier (the public OpenAPI linters, the staff page
#   type-checked against the document, schemathesis over /openapi.json against the local
#   server with a fixed seed and the commit's).
# A tier that cannot run fails the whole command, loudly.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
export VENV="${VENV:-$ROOT/.venv}"

step() { printf '\n==> %s\n' "$*"; }
fail() { printf '\nFAILED: %s\n' "$*" >&2; exit 1; }

step "tools: Python venv with moto, cfn-lint, cargo-lambda and schemathesis ($VENV)"
command -v cargo >/dev/null || fail "cargo is not installed"
[ -x "$VENV/bin/python" ] || python3 -m venv "$VENV" || fail "could not create a Python venv (python3 -m venv)"
"$VENV/bin/pip" install --quiet --disable-pip-version-check -r infra/requirements-test.txt \
  || fail "could not install infra/requirements-test.txt from PyPI"
export PATH="$VENV/bin:$PATH"

# Each tier builds once, so the incremental caches would only take disk (gigabytes for the test
# binaries); a developer iterating can set CARGO_INCREMENTAL=1.
export CARGO_INCREMENTAL="${CARGO_INCREMENTAL:-0}"
echo "disk: $(df -h --output=avail . | tail -1 | tr -d ' ') free for target/ (a fresh run's target/ peaks at about 5.5 GB)"

step "format and lints"
cargo fmt --all -- --check || fail "cargo fmt: run 'cargo fmt --all'"
cargo clippy --workspace --all-targets --quiet -- -D warnings || fail "cargo clippy reported warnings"

step "moto_server on loopback, one request at a time, a table copied once per transaction (infra/moto_serial.py)"
MOTO_PORT=$("$VENV/bin/python" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
export MOTO_URL="http://127.0.0.1:$MOTO_PORT"
MOTO_LOG=$(mktemp)
MOTO_COPY_ONCE=1 "$VENV/bin/python" infra/moto_serial.py -H 127.0.0.1 -p "$MOTO_PORT" >"$MOTO_LOG" 2>&1 &
MOTO_PID=$!
trap 'kill $MOTO_PID 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do
  curl -s -o /dev/null "$MOTO_URL/moto-api/" && break
  kill -0 $MOTO_PID 2>/dev/null || { cat "$MOTO_LOG"; fail "moto_server exited"; }
  sleep 0.2
done
curl -s -o /dev/null "$MOTO_URL/moto-api/" || { cat "$MOTO_LOG"; fail "moto_server did not start on $MOTO_URL"; }
echo "moto at $MOTO_URL"
export AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test AWS_REGION=ap-southeast-3
export DYNAMODB_ENDPOINT_URL="$MOTO_URL"

step "unit, API, conformance (embedded + DynamoDB on moto) and route-table/template tests"
CARGO_LOG=$(mktemp)
cargo test --workspace 2>&1 | tee "$CARGO_LOG"
[ "${PIPESTATUS[0]}" -eq 0 ] || fail "cargo test"

step "Lambda tier: cargo lambda watch + invoke"
LAMBDA_LOG=$(mktemp)
bash tests/lambda.sh 2>&1 | tee "$LAMBDA_LOG"
[ "${PIPESTATUS[0]}" -eq 0 ] || fail "Lambda tier"

step "browser tier: the staff page in headless Chromium (chromedriver + fantoccini)"
if ! command -v chromium >/dev/null || ! command -v chromedriver >/dev/null; then
  [ "$(id -u)" -eq 0 ] || fail "chromium and chromedriver are missing: apt-get install -y chromium chromium-driver (as root)"
  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver; } \
    || fail "could not install chromium and chromium-driver with apt-get"
fi
BROWSER_LOG=$(mktemp)
# --workspace: the features of the test build above, so nothing is built twice.
cargo test --workspace --test browser -- --ignored 2>&1 | tee "$BROWSER_LOG"
[ "${PIPESTATUS[0]}" -eq 0 ] || fail "browser tier (a failed journey's screenshot is in target/tmp/browser/)"
grep -q '^test result: ok. 1 passed' "$BROWSER_LOG" || fail "browser tier: the journeys did not run"

step "template: cfn-lint, on the template and on its SAM expansion"
"$VENV/bin/cfn-lint" template.yaml || fail "cfn-lint template.yaml"
"$VENV/bin/python" infra/sam_validate.py template.yaml || fail "the SAM expansion of template.yaml"

step "hostile files: the corpus posted to both imports of the local server built with panic = abort (infra/hostile.sh)"
HOSTILE_LOG=$(mktemp)
bash infra/hostile.sh 2>&1 | tee "$HOSTILE_LOG"
[ "${PIPESTATUS[0]}" -eq 0 ] || fail "hostile tier"
grep -q '^hostile: [0-9]* passed' "$HOSTILE_LOG" || fail "hostile tier: the files were not posted"

step "contract: Redocly, Spectral, the staff page's types (tsc) and schemathesis with two seeds over /openapi.json (infra/contract.sh)"
bash infra/contract.sh || fail "contract tier"

# One closing line over every tier: the cargo test totals plus the Lambda and hostile checks.
passed=$(cat "$CARGO_LOG" "$LAMBDA_LOG" "$BROWSER_LOG" "$HOSTILE_LOG" | sed -nE 's/^(test result: ok\.|lambda:|hostile:) ([0-9]+) passed.*/\2/p' | awk '{ sum += $1 } END { print sum }')
printf '\nAll test tiers passed.\ntests: %s passed, 0 failed\n' "$passed"

#!/usr/bin/env bash
# The contract tier: the OpenAPI document as a front-end developer uses it.
#   1. the npm tools pinned in infra/contract/package-lock.json (`npm ci`);
#   2. the document the local server serves, linted by Redocly CLI (`recommended`) and Spectral
#      (`spectral:oas`): zero errors and zero warnings;
#   3. TypeScript types generated from it (openapi-typescript, into the staff page's folder as
#      api.d.ts, never committed) and `tsc --noEmit` over the staff page's modules, whose JSDoc
#      types come from them: a renamed or removed field fails here, not on the page;
#   4. schemathesis (infra/schemathesis.sh) twice: the fixed seed, then a seed derived from the
#      commit, printed so a failure can be replayed.
# Fails loudly when npm or a tool cannot start.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
TARGET="${CARGO_TARGET_DIR:-$ROOT/target}"
TOOLS="$ROOT/infra/contract"
TYPES="$ROOT/shared/src/page/assets/api.d.ts"
fail() { printf '\nFAILED: %s\n' "$*" >&2; exit 1; }
stage() { printf -- '--> %s\n' "$*"; }

command -v node >/dev/null || fail "node is not installed (the contract tier needs Node.js 20 or newer with npm)"
command -v npm >/dev/null || fail "npm is not installed (the contract tier needs Node.js 20 or newer with npm)"
started=$(date +%s)

stage "npm ci in infra/contract (the pinned linters, openapi-typescript and typescript)"
(cd "$TOOLS" && npm ci --no-audit --no-fund --loglevel=error) || fail "npm ci in infra/contract"
BIN="$TOOLS/node_modules/.bin"
for tool in redocly spectral openapi-typescript tsc; do
  "$BIN/$tool" --version >/dev/null 2>&1 || fail "$tool does not start (infra/contract/node_modules/.bin/$tool)"
done

stage "the document, as the local server serves it"
cargo build --quiet -p infra --bin local || fail "cargo build -p infra --bin local"
DATA=$(mktemp -d)
SERVER=
trap '[ -n "$SERVER" ] && kill $SERVER 2>/dev/null; rm -rf "$DATA"' EXIT
. infra/local-server.sh
start_local_server "$TARGET/debug/local" "$DATA"
DOCUMENT="$DATA/openapi.json"
curl -sf -o "$DOCUMENT" "$URL/openapi.json" || fail "GET /openapi.json"
kill "$SERVER" && wait "$SERVER" 2>/dev/null || true
SERVER=

stage "Redocly CLI, recommended"
"$BIN/redocly" lint --config "$TOOLS/redocly.yaml" --format json "$DOCUMENT" >"$DATA/redocly.json" 2>/dev/null || true
# Redocly exits 0 on warnings: the tier wants none either, so it reads the totals.
totals=$(node -e 'const t = require(process.argv[1]).totals; console.log(`${t.errors} errors, ${t.warnings} warnings`)' "$DATA/redocly.json") \
  || fail "Redocly did not report its findings"
echo "Redocly: $totals"
if [ "$totals" != "0 errors, 0 warnings" ]; then
  "$BIN/redocly" lint --config "$TOOLS/redocly.yaml" --format stylish --max-problems 1000 "$DOCUMENT" || true
  fail "Redocly found problems in the document"
fi

stage "Spectral, spectral:oas"
"$BIN/spectral" lint --ruleset "$TOOLS/.spectral.yaml" --fail-severity warn "$DOCUMENT" \
  || fail "Spectral found problems in the document"

stage "openapi-typescript -> api.d.ts, tsc --noEmit over the staff page's modules"
"$BIN/openapi-typescript" "$DOCUMENT" --output "$TYPES" --silent || fail "openapi-typescript"
"$BIN/tsc" --project "$TOOLS/tsconfig.json" || fail "tsc: the staff page does not match the contract"
echo "linters and types: $(( $(date +%s) - started )) s"

stage "schemathesis, the fixed seed"
SCHEMATHESIS_SEED=20261202 bash infra/schemathesis.sh || fail "schemathesis (fixed seed 20261202)"

COMMIT=$(git rev-parse HEAD 2>/dev/null) || fail "no git commit to derive the second seed from"
SEED=$(( 16#${COMMIT:0:8} ))
stage "schemathesis, the seed of commit ${COMMIT:0:12}: $SEED (replay: SCHEMATHESIS_SEED=$SEED bash infra/schemathesis.sh)"
SCHEMATHESIS_SEED=$SEED bash infra/schemathesis.sh || fail "schemathesis (seed $SEED of commit ${COMMIT:0:12})"
echo "contract tier: $(( $(date +%s) - started )) s"

#!/usr/bin/env bash
# Benchmarks: prints figures, asserts only that each step ran (and the single TLS provider).
#   1. bench-store (release) against moto: DynamoDB calls per store operation, at 10 and 1,000
#      records, and a 1,000-row bulk import beside single inserts (calls and wall time).
#   2. The deploy build: `sam build` of the whole stack after a one-line change (shared/src/lib.rs
#      touched: the workspace crates rebuild, the dependencies are warm): its time, its build
#      definitions (one) and distinct artefacts (one), the bootstrap and zip sizes; the TLS
#      crypto provider of the arm64 dependency tree (aws-lc-rs, no ring).
#   3. bench-lambda against a fresh moto: cold start of the release executable (x86_64) as
#      manual-list under a minimal Lambda Runtime API (process start to first response, median
#      of 10), and its peak memory as manual-bulk-import serving a 1,000-row import.
#   4. bench-reminders: the daily run over 10,000 records of which 100 are due (DynamoDB calls,
#      items read, wall time), and 200 due reminders with the gateway answering in 300 ms.
#   5. bench-report: the totals' recount, statistics and the detail (whole and in pages of 1,000)
#      over 10,000 report rows; statistics over 100,000; a reset of 1,000 rows and its restore
#      (moto's transactions slow down as its table grows). DynamoDB calls, items read, sizes.
#   6. bench-embedded: the local server (release) at 100, 10,000 and 100,000 records beside the
#      FastAPI reference at 10,000, with wrk (8 connections): summary, a list page, dashboard,
#      send-reminders with 10 due, customer deletes; and the embedded store's create and
#      1,000-row bulk import. Needs wrk (installed with apt-get when run as root) and the
#      reference in FASTAPI_REF (default ../shared/peer/fastapi_ref).
#   7. bench-import: 5,000-row xlsx imports of records and of the register (dry run, then for
#      real) and the export of those records as xlsx and CSV (calls, wall time, answer sizes),
#      on a moto that copies a table once per transaction rather than once per action
#      (MOTO_COPY_ONCE=1, infra/moto_serial.py); then the largest records, register and report
#      tables each export answers within one Lambda answer, grown until it answers 413.
#   8. request path (infra/bench-request-path.sh): the local server (release) beside a bare axum
#      handler, wrk with 2 threads and 32 connections: GET /manual-whatsapp/{id} with a valid
#      token and without one (401), a static asset; req/s and the ratio to the bare handler.
# Wall times against moto say little about DynamoDB; call counts, sizes and memory are the point.
# The first run builds three release trees (host, x86_64 and aarch64 Lambda) with fat LTO:
# expect it to take a good while longer than later runs.
#
# usage: infra/bench.sh request-path   runs step 8 alone (no moto, no Python).
# usage: infra/bench.sh        (VENV defaults to ./.venv; tools are installed as infra/test.sh does;
#   SAM_VENV, default ./.venv-sam, gets aws-sam-cli from infra/requirements-deploy.txt)
#   BENCH_SINGLE_INSERTS=N (default 1000): single inserts measured beside the bulk import. 1,000
#   take about 3 minutes on moto here; with fewer (200: 8 s) bench-store also prints them scaled
#   to 1,000, labelled "extrapolated", a lower bound: on moto each insert costs more as the
#   table grows (200 scaled: 40 s; 1,000 measured: 172 s).
set -euo pipefail
cd "$(dirname "$0")/.."
[ "${1:-}" = request-path ] && exec infra/bench-request-path.sh
ROOT=$PWD
export VENV="${VENV:-$ROOT/.venv}"
SINGLE_INSERTS="${BENCH_SINGLE_INSERTS:-1000}"

step() { printf '\n==> %s\n' "$*"; }
fail() { printf '\nFAILED: %s\n' "$*" >&2; exit 1; }
started_at=$SECONDS
since() { echo "$((SECONDS - $1)) s"; }

step "tools: Python venv with moto and cargo-lambda ($VENV)"
command -v cargo >/dev/null || fail "cargo is not installed"
[ -x "$VENV/bin/python" ] || python3 -m venv "$VENV" || fail "could not create a Python venv (python3 -m venv)"
"$VENV/bin/pip" install --quiet --disable-pip-version-check -r infra/requirements-test.txt \
  || fail "could not install infra/requirements-test.txt from PyPI"
export PATH="$VENV/bin:$PATH"
CARGO_LAMBDA="$VENV/bin/cargo-lambda"
SAM_VENV="${SAM_VENV:-$ROOT/.venv-sam}"
[ -x "$SAM_VENV/bin/python" ] || python3 -m venv "$SAM_VENV" || fail "could not create a Python venv for aws-sam-cli"
"$SAM_VENV/bin/pip" install --quiet --disable-pip-version-check -r infra/requirements-deploy.txt \
  || fail "could not install infra/requirements-deploy.txt from PyPI"
export AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test AWS_REGION=ap-southeast-3

WORK=$(mktemp -d)
MOTO_PID=""
# moto_rss FIELD: VmRSS or VmHWM of the running moto, in MiB.
moto_rss() {
  awk -v f="$1:" '$1 == f { printf "%.0f MiB", $2 / 1024 }' "/proc/$MOTO_PID/status" 2>/dev/null || true
}
start_moto() {
  local port
  port=$("$VENV/bin/python" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  MOTO_URL="http://127.0.0.1:$port"
  "$VENV/bin/python" infra/moto_serial.py -H 127.0.0.1 -p "$port" >"$WORK/moto.log" 2>&1 &
  MOTO_PID=$!
  for _ in $(seq 1 100); do
    curl -s -o /dev/null "$MOTO_URL/moto-api/" && break
    kill -0 "$MOTO_PID" 2>/dev/null || { cat "$WORK/moto.log"; fail "moto_server exited"; }
    sleep 0.2
  done
  curl -s -o /dev/null "$MOTO_URL/moto-api/" || { cat "$WORK/moto.log"; fail "moto_server did not start on $MOTO_URL"; }
  export DYNAMODB_ENDPOINT_URL="$MOTO_URL" AWS_ENDPOINT_URL="$MOTO_URL"
  echo "moto at $MOTO_URL (pid $MOTO_PID)"
}
# SIGTERM, then SIGKILL if moto is still there after 5 s (a moto of several GB spends longer
# than that freeing its memory on the way out).
stop_moto() {
  [ -n "$MOTO_PID" ] || return 0
  kill -TERM "$MOTO_PID" 2>/dev/null || true
  for _ in $(seq 1 25); do
    kill -0 "$MOTO_PID" 2>/dev/null || break
    sleep 0.2
  done
  if kill -0 "$MOTO_PID" 2>/dev/null; then
    echo "moto (pid $MOTO_PID) still running 5 s after SIGTERM: SIGKILL"
    kill -KILL "$MOTO_PID" 2>/dev/null || true
  fi
  wait "$MOTO_PID" 2>/dev/null || true
  MOTO_PID=""
}
cleanup() { stop_moto; rm -rf "$WORK"; }
trap cleanup EXIT
trap 'exit 130' INT TERM # so the EXIT trap runs when the caller stops us

# ---- 1. Store ----------------------------------------------------------------------------------
step "build the benchmark harnesses (release)"
t=$SECONDS
cargo build --release -p infra --bin bench-store --bin bench-lambda --bin bench-reminders --bin bench-report \
  --bin bench-embedded --bin local --bin bench-import \
  || fail "cargo build of the benchmark harnesses"
echo "built in $(since $t)"

# One phase per bench-store process, each against a fresh moto: moto deep-copies a table for
# every action of a transaction and its memory only grows (13.6 GB when all ran against one).
for phase in ops bulk "single=$SINGLE_INSERTS" conflicts; do
  step "bench-store $phase (fresh moto)"
  start_moto
  t=$SECONDS
  cargo run -q --release -p infra --bin bench-store -- "$phase" | tee -a "$WORK/store.txt" \
    || fail "bench-store $phase"
  echo "bench-store $phase ran in $(since $t); moto peak RSS $(moto_rss VmHWM)"
  stop_moto
done

# ---- 2. Deploy build, size and TLS provider ----------------------------------------------------
step "sam build of the whole stack after a one-line change (warm dependencies)"
touch shared/src/lib.rs # as an edit would: the workspace crates rebuild, the dependencies don't
uptime
t=$SECONDS
# sam finds cargo-lambda (and its zig) on PATH.
set +e
PATH="$SAM_VENV/bin:$PATH" /usr/bin/time -f 'sam build: %e s real, %U s user, %S s sys' \
  "$SAM_VENV/bin/sam" build >"$WORK/sam.log" 2>&1
sam_status=$?
set -e
grep -E '^(Building codeuri|Running |Build Succeeded|Error|sam build:)' "$WORK/sam.log" || true
[ "$sam_status" -eq 0 ] || { tail -n 40 "$WORK/sam.log"; fail "sam build"; }
echo "sam build took $(since $t)"
grep '^sam build:' "$WORK/sam.log" >"$WORK/sam-time.txt"

step "the artefacts: build definitions, distinct executables, sizes"
"$VENV/bin/python" infra/sam_artefacts.py .aws-sam template.yaml | tee "$WORK/size.txt"
[ "${PIPESTATUS[0]}" -eq 0 ] || fail "the sam build artefacts"

step "TLS crypto provider of functions on aarch64-unknown-linux-gnu"
ring=$(cargo tree -p functions --target aarch64-unknown-linux-gnu -i ring 2>"$WORK/ring.err") || true
echo "\$ cargo tree -p functions --target aarch64-unknown-linux-gnu -i ring"
if [ -n "$ring" ]; then
  echo "$ring"
  fail "ring is in the function dependency tree: two TLS crypto providers"
fi
sed 's/^/    /' "$WORK/ring.err"
echo "    (no ring)"
echo "\$ cargo tree -p functions --target aarch64-unknown-linux-gnu -i aws-lc-rs --depth 1"
cargo tree -p functions --target aarch64-unknown-linux-gnu -i aws-lc-rs --depth 1 | tee "$WORK/awslc.txt" | sed 's/^/    /'
grep -q '^aws-lc-rs ' "$WORK/awslc.txt" || fail "aws-lc-rs is not in the function dependency tree"

# ---- 3. Lambda ---------------------------------------------------------------------------------
step "build the executable for this machine (release, x86_64)"
t=$SECONDS
"$CARGO_LAMBDA" lambda build --release -p functions --bin functions \
  --lambda-dir target/lambda/x86_64 || fail "cargo lambda build (x86_64)"
echo "built in $(since $t)"

step "bench-lambda: cold start and bulk-import memory under a minimal Lambda Runtime API (fresh moto)"
start_moto
cargo run -q --release -p infra --bin bench-lambda -- target/lambda/x86_64/functions/bootstrap | tee "$WORK/lambda.txt" \
  || fail "bench-lambda"
stop_moto

# ---- 4. Reminders ------------------------------------------------------------------------------
step "bench-reminders: the daily run over 10,000 records (100 due), and 200 paced reminders (fresh moto)"
start_moto
cargo run -q --release -p infra --bin bench-reminders | tee "$WORK/reminders.txt" || fail "bench-reminders"
stop_moto

# ---- 5. Report ---------------------------------------------------------------------------------
step "bench-report: recount, statistics and detail over 10,000 report rows, statistics over 100,000, reset and restore of 1,000 (fresh moto each)"
start_moto
cargo run -q --release -p infra --bin bench-report -- --no-reset | tee "$WORK/report.txt" || fail "bench-report"
stop_moto
start_moto
cargo run -q --release -p infra --bin bench-report -- --rows 100000 --statistics-only | tee -a "$WORK/report.txt" || fail "bench-report (100,000 rows)"
stop_moto
start_moto
cargo run -q --release -p infra --bin bench-report -- --rows 1000 | tee -a "$WORK/report.txt" || fail "bench-report (reset of 1,000 rows)"
stop_moto

# ---- 6. Embedded store over HTTP, beside the FastAPI reference --------------------------------
step "bench-embedded: the local server at 100, 10,000 and 100,000 records, the FastAPI reference at 10,000"
if ! command -v wrk >/dev/null; then
  [ "$(id -u)" = 0 ] || fail "wrk is not installed (apt-get install -y wrk)"
  apt-get install -y wrk >/dev/null 2>&1 || { apt-get update >/dev/null && apt-get install -y wrk >/dev/null; } \
    || fail "could not install wrk"
fi
FASTAPI_REF="${FASTAPI_REF:-$ROOT/../shared/peer/fastapi_ref}"
[ -x "$FASTAPI_REF/run.sh" ] || fail "no FastAPI reference at $FASTAPI_REF (set FASTAPI_REF)"
echo "machine load before: $(uptime)"
target/release/bench-embedded writes | tee "$WORK/embedded.txt" || fail "bench-embedded writes"
target/release/bench-embedded http target/release/local "$FASTAPI_REF" | tee -a "$WORK/embedded.txt" \
  || fail "bench-embedded http"
echo "machine load after: $(uptime)"
# ---- 7. Sheets ---------------------------------------------------------------------------------
step "bench-import: 5,000-row sheet imports of records and register, dry run and real, the export, the largest exports (fresh moto copying a table once per transaction)"
MOTO_COPY_ONCE=1 start_moto
cargo run -q --release -p infra --bin bench-import | tee "$WORK/import.txt" || fail "bench-import"
stop_moto

# ---- 8. Request path ---------------------------------------------------------------------------
step "request path: the local server beside a bare axum handler, wrk with 32 connections"
infra/bench-request-path.sh | tee "$WORK/request-path.txt" || fail "bench-request-path"

step "summary ($(date -u +%F), $(nproc)-core $(uname -m), moto; whole run $(since $started_at))"
grep -E '^(insert |insert_many \(|get |find_by_nopol |counts |count_|most_|list |replace |delete |[0-9,]+ x insert|single inserts:)' \
  "$WORK/store.txt" | sed 's/^/store   | /'
sed 's/^/deploy  | /' "$WORK/sam-time.txt" "$WORK/size.txt"
echo "tls     | aws-lc-rs only (cargo tree -i ring: nothing)"
grep -E '^(cold start|bulk import)' "$WORK/lambda.txt" | sed 's/^/lambda  | /'
sed 's/^/reminders | /' "$WORK/reminders.txt"
sed 's/^/report  | /' "$WORK/report.txt"
sed 's/^/embedded | /' "$WORK/embedded.txt"
sed 's/^/sheets  | /' "$WORK/import.txt"
grep '^|' "$WORK/request-path.txt" | sed 's/^/request | /'

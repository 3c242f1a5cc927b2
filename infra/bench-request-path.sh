#!/usr/bin/env bash
# The request path near the framework's limit: one run of wrk (2 threads, 32 connections) against
#   - bench-bare: a bare axum handler answering a record held in memory (the framework's limit);
#   - the local server on a fresh data folder: GET /manual-whatsapp/{id} with a valid token,
#     the same without a token (401), and a static asset of the staff page (no token).
# Each is measured BENCH_ROUNDS times (default 3) for BENCH_WRK_SECONDS (default 5), the rounds
# interleaved so that a burst of load from elsewhere touches every row alike; the table shows
# the median req/s and its ratio to the bare handler's.
#
# usage: infra/bench-request-path.sh   (or infra/bench.sh request-path; step 8 of infra/bench.sh)
#   BENCH_PROFILE (default release, the deployed profile; bench-server links faster, for
#   iterating, and its figures are not the ones to compare); BENCH_LOCAL_BIN, another build of
#   the local server to measure in place of this checkout's (the one of before a change).
set -euo pipefail
cd "$(dirname "$0")/.."
PROFILE="${BENCH_PROFILE:-release}"
ROUNDS="${BENCH_ROUNDS:-3}"
WRK_SECONDS="${BENCH_WRK_SECONDS:-5}"
SECRET="bench-secret-of-at-least-32-bytes-long!!"
ASSET=/assets/app.js

fail() { printf '\nFAILED: %s\n' "$*" >&2; exit 1; }

if ! command -v wrk >/dev/null; then
  [ "$(id -u)" = 0 ] || fail "wrk is not installed (apt-get install -y wrk)"
  apt-get install -y wrk >/dev/null 2>&1 || { apt-get update >/dev/null && apt-get install -y wrk >/dev/null; } \
    || fail "could not install wrk"
fi

echo "build bench-bare and local (profile $PROFILE)"
cargo build -q --profile "$PROFILE" -p infra --bin bench-bare --bin local || fail "cargo build"
BIN="target/$PROFILE"
[ "$PROFILE" = dev ] && BIN=target/debug
LOCAL_BIN="${BENCH_LOCAL_BIN:-$BIN/local}"

WORK=$(mktemp -d)
PIDS=()
cleanup() {
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
# wait_for URL: until the server answers at all.
wait_for() {
  for _ in $(seq 1 100); do
    curl -s -o /dev/null "$1" && return 0
    sleep 0.1
  done
  fail "no answer from $1"
}

BARE_PORT=$(free_port)
"$BIN/bench-bare" "$BARE_PORT" &
PIDS+=($!)
LOCAL_PORT=$(free_port)
export PORT="$LOCAL_PORT" DATA_DIR="$WORK/data" JWT_SECRET="$SECRET" RUST_LOG=warn
unset STARSENDER_API_KEY
TOKEN=$("$LOCAL_BIN" token)
"$LOCAL_BIN" >"$WORK/local.log" 2>&1 &
PIDS+=($!)
BARE="http://127.0.0.1:$BARE_PORT"
LOCAL="http://127.0.0.1:$LOCAL_PORT"
wait_for "$BARE/"
wait_for "$LOCAL/"

ID=$(curl -s -X POST "$LOCAL/manual-whatsapp/" -H "Authorization: Bearer $TOKEN" \
  -H 'content-type: application/json' \
  -d '{"customer_name": "Bapak Joko", "nopol": "B 1234 XYZ", "no_hp": "08123456789",
       "last_service": "2025-10-15", "next_service": "2026-01-15", "notes": "Customer VIP"}' \
  | python3 -c 'import json, sys; print(json.load(sys.stdin)["id"])') || fail "could not create the record"

# name|url|token (or -)|expected status
TARGETS=(
  "bare handler|$BARE/manual-whatsapp/$ID|-|200"
  "GET /manual-whatsapp/{id}, valid token|$LOCAL/manual-whatsapp/$ID|$TOKEN|200"
  "GET /manual-whatsapp/{id}, no token (401)|$LOCAL/manual-whatsapp/$ID|-|401"
  "static asset $ASSET|$LOCAL$ASSET|-|200"
)

auth_args() { [ "$1" = - ] || printf '%s\n' -H "Authorization: Bearer $1"; }

for target in "${TARGETS[@]}"; do
  IFS='|' read -r name url token expected <<<"$target"
  mapfile -t auth < <(auth_args "$token")
  status=$(curl -s -o /dev/null -w '%{http_code}' "${auth[@]}" "$url")
  [ "$status" = "$expected" ] || fail "$name: $url answered $status, expected $expected"
done

echo "wrk: 2 threads, 32 connections, $WRK_SECONDS s per target, $ROUNDS rounds; load before: $(uptime)"
for round in $(seq 1 "$ROUNDS"); do
  for i in "${!TARGETS[@]}"; do
    IFS='|' read -r name url token expected <<<"${TARGETS[$i]}"
    mapfile -t auth < <(auth_args "$token")
    out=$(wrk -t2 -c32 "-d${WRK_SECONDS}s" "${auth[@]}" "$url")
    if [ "$expected" = 200 ] && grep -q -E 'Non-2xx|Socket errors' <<<"$out"; then
      fail "$name answered errors under load:"$'\n'"$out"
    fi
    rate=$(awk '/^Requests\/sec:/ { print $2 }' <<<"$out")
    [ -n "$rate" ] || fail "no Requests/sec in wrk's output:"$'\n'"$out"
    echo "$i $rate" >>"$WORK/rates"
    echo "  round $round: $name: $rate req/s"
  done
done
echo "load after: $(uptime)"

# median MEASUREMENTS...: the middle one (the lower middle of an even count).
median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
bare=$(median $(awk '$1 == 0 { print $2 }' "$WORK/rates"))
printf '\n| %-44s | %9s | %8s |\n' "request path (profile $PROFILE)" "req/s" "vs bare"
printf '|%s|%s|%s|\n' "$(printf -- '-%.0s' {1..46})" "-----------" "----------"
for i in "${!TARGETS[@]}"; do
  IFS='|' read -r name _ <<<"${TARGETS[$i]}"
  rate=$(median $(awk -v i="$i" '$1 == i { print $2 }' "$WORK/rates"))
  awk -v n="$name" -v r="$rate" -v b="$bare" \
    'BEGIN { printf "| %-44s | %9.0f | %7.0f%% |\n", n, r, 100 * r / b }'
done

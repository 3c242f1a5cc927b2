#!/usr/bin/env bash
# The hostile tier: every file of the hostile corpus (tests/hostile/make_corpus.py) posted to
# both sheet imports (POST /manual-whatsapp/import and /customers/import), as the default dry
# run and with ?dry_run=false, against the local server running as its own process, built with
# panic = "abort" as the deployed functions are (profile `hostile` in Cargo.toml): a panic or a
# failed allocation shows as a dead process. Each answer must be 413 or 422 in FastAPI's
# {"detail": "..."} shape within one second, the server alive afterwards, the store unchanged
# (both exports compared before and after) and the server's peak RSS during the request under
# half of the import functions' 512 MB. Then the largest files an import takes (just under
# 4 MiB, 5,000 rows; records and register) are posted the same way and must answer 200 within
# the same memory bound (their time is shown, not bounded: writing 5,000 rows takes longer). The peak RSS is VmHWM after resetting it (echo 5 > /proc/PID/clear_refs).
# Prints a table; fails loudly on any violation; ends with `hostile: N passed`.
#
# usage: infra/hostile.sh   (CARGO_TARGET_DIR is honoured)
set -euo pipefail
cd "$(dirname "$0")/.."
TARGET="${CARGO_TARGET_DIR:-$PWD/target}"
MAX_SECONDS=1
STARTED=$(date +%s)
MAX_RSS_KB=$((256 * 1024))
fail() { printf '\nFAILED: %s\n' "$*" >&2; exit 1; }

[ -w /proc/self/clear_refs ] || fail "this kernel has no /proc/PID/clear_refs: the peak RSS cannot be measured"
cargo build --quiet --profile hostile -p infra --bin local || fail "cargo build --profile hostile -p infra --bin local"
LOCAL="$TARGET/hostile/local"

WORK=$(mktemp -d)
SERVER=
trap '[ -n "$SERVER" ] && kill $SERVER 2>/dev/null; rm -rf "$WORK"' EXIT
python3 tests/hostile/make_corpus.py "$WORK/corpus" >/dev/null || fail "tests/hostile/make_corpus.py"

. infra/local-server.sh
start_local_server "$LOCAL" "$WORK/data"

XLSX_TYPE="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
post() { # file route query -> "status seconds" (the body in $WORK/body)
  local type=$XLSX_TYPE
  [[ $1 == *.csv ]] && type="text/csv"
  curl -s -o "$WORK/body" -w '%{http_code} %{time_total}\n' -X POST \
    -H "Authorization: Bearer $TOKEN" -H "Content-Type: $type" \
    --data-binary "@$1" "$URL$2$3" || true
}
# Both stores as their CSV exports: what a caller can see of them.
store() {
  curl -sf -H "Authorization: Bearer $TOKEN" "$URL/manual-whatsapp/export?format=csv" \
    && curl -sf -H "Authorization: Bearer $TOKEN" "$URL/customers/export?format=csv"
}

# A store with something in it, so that a write would show.
for seed in "tests/fixtures/pelanggan.xlsx /manual-whatsapp/import" "tests/fixtures/customers.xlsx /customers/import"; do
  set -- $seed
  read -r status _ < <(post "$1" "$2" "?dry_run=false")
  [ "$status" = 200 ] || fail "seeding the store with $1: $status $(cat "$WORK/body")"
done
store >"$WORK/store.before" || fail "reading the store"

passed=0
problems=()
printf '\n%-26s %10s  %-24s %-14s %6s %7s %9s\n' file bytes route query status seconds "peak MB"
check() { # kind file route query
  local kind=$1 file=$2 route=$3 query=$4 name status seconds peak
  name=$(basename "$file")
  echo 5 >"/proc/$SERVER/clear_refs"
  read -r status seconds < <(post "$file" "$route" "$query")
  if ! kill -0 $SERVER 2>/dev/null; then
    tail -20 "$LOG"
    fail "$name to $route$query: the server died"
  fi
  peak=$(awk '/^VmHWM/ { print $2 }' "/proc/$SERVER/status")
  printf '%-26s %10s  %-24s %-14s %6s %7s %9.1f\n' "$name" "$(stat -c %s "$file")" "$route" \
    "${query:-(dry run)}" "$status" "$seconds" "$(awk -v k="$peak" 'BEGIN { print k / 1024 }')"
  local problem=
  if [ "$kind" = refused ]; then
    case $status in 413 | 422) ;; *) problem="answered $status, not 413 or 422" ;; esac
    python3 -c 'import json, sys; d = json.load(open(sys.argv[1]))["detail"]; assert isinstance(d, str) and d' \
      "$WORK/body" 2>/dev/null || problem+=" body not {\"detail\": \"...\"}: $(head -c 200 "$WORK/body")"
  else
    [ "$status" = 200 ] || problem="answered $status, not 200: $(head -c 300 "$WORK/body")"
  fi
  if [ "$kind" = refused ]; then
    awk -v s="$seconds" -v m=$MAX_SECONDS 'BEGIN { exit !(s < m) }' || problem+=" took ${seconds} s"
  fi
  [ "$peak" -lt $MAX_RSS_KB ] || problem+=" peak RSS ${peak} kB"
  store >"$WORK/store.after" || problem+=" the store cannot be read"
  if [ "$kind" = refused ] || [ -z "$query" ]; then
    cmp -s "$WORK/store.before" "$WORK/store.after" || problem+=" the store changed"
  fi
  # What an accepted file wrote is the store the next files must leave unchanged.
  mv "$WORK/store.after" "$WORK/store.before"
  if [ -n "$problem" ]; then
    problems+=("$name $route${query:-}:$problem")
  else
    passed=$((passed + 1))
  fi
}

for file in "$WORK"/corpus/refused/*; do
  for route in /manual-whatsapp/import /customers/import; do
    for query in "" "?dry_run=false"; do
      check refused "$file" "$route" "$query"
    done
  done
done
# The largest files an import takes, each to its own route: dry run, then written.
for accepted in "largest-records.xlsx /manual-whatsapp/import" "largest-register.xlsx /customers/import"; do
  set -- $accepted
  for query in "" "?dry_run=false"; do
    check accepted "$WORK/corpus/accepted/$1" "$2" "$query"
  done
done

if [ ${#problems[@]} -gt 0 ]; then
  printf '\nFAILED: %s\n' "${problems[@]}" >&2
  exit 1
fi
echo "hostile wall time (build, corpus, requests): $(( $(date +%s) - STARTED )) s"
printf '\nhostile: %s passed\n' "$passed"

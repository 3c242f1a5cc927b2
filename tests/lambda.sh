#!/usr/bin/env bash
# Lambda tier: real function binaries under `cargo lambda watch` (the Lambda runtime API
# emulator), invoked with the API Gateway v2 events in tests/events/, against DynamoDB and
# Secrets Manager served by moto on loopback.
#
# Also the daily reminder function (tests/events/scheduler-daily.json, EventBridge Scheduler's
# event), the monthly report reset (scheduler-monthly.json), scheduler functions of both
# schedules created in moto's EventBridge Scheduler, and the register and report functions end
# to end.
#
# `cargo lambda watch` starts a function by `cargo run --bin <function>`, so each function has
# a binary of its name for it (functions/src/bin/). The executable Lambda runs for every function
# (`functions`, src/main.rs) is checked too: it stops at start without a known _HANDLER, and, on
# a second emulator that only serves the runtime API, it serves the function _HANDLER names, and
# only that function's routes.
#
# Needs (set by the main test script): MOTO_URL (a running moto_server), VENV (a Python venv with
# boto3 and cargo-lambda), AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_REGION.
# Prints one "ok - ..." / "not ok - ..." line per check, then "lambda: N passed, N failed";
# exits non-zero on any failure or when cargo lambda could not start.
set -euo pipefail
cd "$(dirname "$0")/.."

: "${MOTO_URL:?MOTO_URL must point at a running moto_server}"
: "${VENV:?VENV must be the Python venv holding boto3 and cargo-lambda}"
: "${AWS_ACCESS_KEY_ID:?}" "${AWS_SECRET_ACCESS_KEY:?}" "${AWS_REGION:?}"
export AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_REGION

PY="$VENV/bin/python"
# The PyPI package ships the `cargo-lambda` binary; called directly it takes the `lambda`
# subcommand, just as `cargo lambda ...` would.
CARGO_LAMBDA="$VENV/bin/cargo-lambda"
if [[ ! -x "$CARGO_LAMBDA" ]]; then
    echo "not ok - cargo lambda is not installed: $CARGO_LAMBDA missing (pip install cargo-lambda into $VENV)"
    exit 1
fi

work=$(mktemp -d)
watch_pid=""
apis_pid=""
exe_pids=()
cleanup() {
    # watch runs in its own process group (setsid): end it with the function it started.
    for pid in "$watch_pid" "$apis_pid"; do
        if [[ -n "$pid" ]]; then
            kill -TERM -- "-$pid" 2>/dev/null || true
            wait "$pid" 2>/dev/null || true
        fi
    done
    for pid in "${exe_pids[@]}"; do
        kill -TERM "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    done
    if [[ -n "${KEEP_WORK:-}" ]]; then echo "# kept $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM # so the EXIT trap runs when the caller stops us

passed=0
failed=0
broken=""
pass() { echo "ok - $1"; passed=$((passed + 1)); }
fail() { echo "not ok - $1"; failed=$((failed + 1)); }
# abort DESCRIPTION [LOG]: a set-up step failed, so no check can run.
abort() {
    fail "$1"
    if [[ -n "${2:-}" && -f "$2" ]]; then sed 's/^/#   /' "$2"; fi
    echo "lambda: $passed passed, $failed failed"
    exit 1
}

# Unique names, so reruns against one moto_server don't collide.
run_id="$(date +%s)-$$"
table="bengkel-lambda-$run_id"
secret_name="bengkel/lambda-$run_id"
schedule_name="bengkel-lambda-$run_id-maintenance-reminder"
monthly_name="bengkel-lambda-$run_id-monthly-report-reset"
jwt_secret=$("$PY" -c 'import secrets; print(secrets.token_hex(32))') # 64 bytes

# --- Fixtures in moto -------------------------------------------------------------------------
if ! AWS_ENDPOINT_URL="$MOTO_URL" cargo run -q -p infra --bin create-tables -- --table "$table" \
    >"$work/create-tables.log" 2>&1; then
    abort "create table $table in moto" "$work/create-tables.log"
fi
# boto3 reads AWS_DEFAULT_REGION, not AWS_REGION: pass the region explicitly.
if ! "$PY" - "$MOTO_URL" "$AWS_REGION" "$secret_name" "$jwt_secret" "$schedule_name" "$monthly_name" <<'PY'; then
import json, sys, boto3
url, region, name, jwt, schedule, monthly = sys.argv[1:]
boto3.client("secretsmanager", endpoint_url=url, region_name=region).create_secret(
    Name=name, SecretString=json.dumps({"jwt_secret": jwt, "starsender_api_key": ""}))
# The daily schedule as template.yaml deploys it.
boto3.client("scheduler", endpoint_url=url, region_name=region).create_schedule(
    Name=schedule, ScheduleExpression="cron(0 9 * * ? *)", ScheduleExpressionTimezone="Asia/Jakarta",
    FlexibleTimeWindow={"Mode": "OFF"}, State="ENABLED",
    Target={"Arn": "arn:aws:lambda:%s:123456789012:function:reminder-daily" % region,
            "RoleArn": "arn:aws:iam::123456789012:role/reminder-schedule"})
# The monthly reset schedule as template.yaml deploys it: disabled until started.
boto3.client("scheduler", endpoint_url=url, region_name=region).create_schedule(
    Name=monthly, ScheduleExpression="cron(5 0 1 * ? *)", ScheduleExpressionTimezone="Asia/Jakarta",
    FlexibleTimeWindow={"Mode": "OFF"}, State="DISABLED",
    Target={"Arn": "arn:aws:lambda:%s:123456789012:function:report-reset-monthly" % region,
            "RoleArn": "arn:aws:iam::123456789012:role/report-reset-schedule"})
PY
    abort "create secret $secret_name and schedules $schedule_name, $monthly_name in moto"
fi

# --- Start cargo lambda watch -------------------------------------------------------------------
# Build first, so the emulator's `cargo run` finds the binaries up to date and the first invoke
# doesn't wait on a compile: the functions invoked below (each debug binary is the whole app, and
# links for a while) and the deployed executable.
invoked=(reminder-daily scheduler-stop manual-create manual-get-by-nopol manual-get manual-list
    manual-import manual-export register-customer-create reminder-send-register report-statistics
    report-reset-monthly scheduler-report-reset-start)
cargo build -q -p functions --bin functions "${invoked[@]/#/--bin=}" 2>"$work/build.log" \
    || abort "build the function binaries" "$work/build.log"
executable=target/debug/functions

port=$("$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
# The function's environment, as template.yaml sets it (plus moto's endpoint and credentials).
cat >"$work/function.env" <<EOF
AWS_ENDPOINT_URL=$MOTO_URL
AWS_ACCESS_KEY_ID=$AWS_ACCESS_KEY_ID
AWS_SECRET_ACCESS_KEY=$AWS_SECRET_ACCESS_KEY
AWS_REGION=$AWS_REGION
TABLE_NAME=$table
JWT_SECRET_ID=$secret_name
STARSENDER_SECRET_ID=$secret_name
SCHEDULE_NAME=$schedule_name
REPORT_RESET_SCHEDULE_NAME=$monthly_name
SCHEDULE_GROUP=default
WORKSHOP_TZ=Asia/Jakarta
WORKSHOP_NAME=BengkelUji
WORKSHOP_PHONE=081234567890
# The template's provider is starsender; this tier has no StarSender, so the outbox (counted as
# sent, as only the outbox provider's messages are).
WHATSAPP_PROVIDER=outbox
# Messages leave at once, at any hour: the tier checks answers, not pacing.
SEND_GAP_SECONDS=0-0
QUIET_HOURS=
RUST_LOG=info
EOF
# The function inherits this environment too; --env-file adds the function's own.
# -p functions: the workspace's default member is infra, so `cargo run --bin manual-*` needs the
# package named. --ignore-changes: no rebuilds mid-test. IPv4 loopback: invoke defaults to ::1.
# --timeout: a function that dies at start-up otherwise leaves the invoke waiting forever.
setsid "$CARGO_LAMBDA" lambda watch -p functions --ignore-changes --timeout 120 \
    --invoke-address 127.0.0.1 --invoke-port "$port" \
    --env-file "$work/function.env" >"$work/watch.log" 2>&1 &
watch_pid=$!

ready=""
for _ in $(seq 1 120); do
    if ! kill -0 "$watch_pid" 2>/dev/null; then break; fi
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then ready=1; break; fi
    sleep 1
done
if [[ -z "$ready" ]]; then
    abort "cargo lambda watch did not start on 127.0.0.1:$port; its log:" "$work/watch.log"
fi

# --- Token and events --------------------------------------------------------------------------
token=$(JWT_SECRET="$jwt_secret" cargo run -q -p infra --bin local -- token 2>"$work/token.log") || true
[[ -n "$token" ]] || abort "mint a token with \`local token\`" "$work/token.log"
# A register vehicle whose next service (last visit + 4 months) falls one or two days from today.
last_visit=$(TZ=Asia/Jakarta date -d "today -4 months +1 day" +%F)
for event in tests/events/*.json; do
    sed -e "s|{{TOKEN}}|$token|g" -e "s|{{LAST_VISIT}}|$last_visit|g" "$event" >"$work/$(basename "$event")"
done

# check.py RESPONSE EXPR: evaluates EXPR over a function's API Gateway v2 response with
# s = statusCode, b = body (parsed JSON; text, or bytes for a binary file), h = headers
# (lower-case names), r = the whole answer (what a non-HTTP function returns); prints why it
# failed.
cat >"$work/check.py" <<'PY'
import base64, json, sys
r = json.load(open(sys.argv[1]))
raw = r.get("body") or ""
if r.get("isBase64Encoded"):
    raw = base64.b64decode(raw)
    try:
        raw = raw.decode()
    except UnicodeDecodeError:  # a binary file (xlsx): keep its bytes
        pass
s = r.get("statusCode")
h = {k.lower(): v for k, v in (r.get("headers") or {}).items()}
try:
    b = json.loads(raw) if raw else None
except ValueError:  # also UnicodeDecodeError
    b = raw
try:
    ok = bool(eval(sys.argv[2]))
except Exception:  # a missing field is a failed check, not a crash
    ok = False
if not ok and s is None:
    print(f"#   expected {sys.argv[2]}\n#   got {json.dumps(r)}")
elif not ok:
    print(f"#   expected {sys.argv[2]}\n#   got status {s}, headers {h}, body {raw}")
sys.exit(0 if ok else 1)
PY

# check FUNCTION EVENT DESCRIPTION EXPR: invokes FUNCTION with tests/events/EVENT.json (token
# filled in) on the emulator at $invoke_port and holds its response to EXPR (see check.py).
invoke_port=$port
check() {
    local fn=$1 event=$2 desc=$3 expr=$4 why
    if [[ -n "$broken" ]]; then
        fail "$desc (skipped: an earlier function did not run)"
        return
    fi
    # timeout: a backstop to watch's own --timeout.
    if ! timeout 300 "$CARGO_LAMBDA" lambda invoke "$fn" --invoke-address 127.0.0.1 \
        --invoke-port "$invoke_port" --data-file "$work/$event.json" --output-format json \
        >"$work/$event.out" 2>"$work/$event.err"; then
        fail "$desc (invoke failed or timed out: did the function start? see the log below)"
        sed 's/^/#   /' "$work/$event.out" "$work/$event.err"
        broken=1 # most likely every function fails the same way: don't wait on each
        return
    fi
    if why=$("$PY" "$work/check.py" "$work/$event.out" "$expr"); then
        pass "$desc"
    else
        fail "$desc"
        echo "$why"
    fi
}

# First, while the table is empty: nothing is due, so nothing is sent, and only counts come back.
check reminder-daily scheduler-daily "reminder-daily answers the summary counts of a run with nothing due" \
    'set(r) == {"total_records", "reminder_sent", "register_sent", "reminder_failed", "reminder_unknown", "reminder_skipped", "reminder_scheduled", "deferred", "paused_reason"} and r["reminder_sent"] == 0 and r["reminder_failed"] == 0 and r["deferred"] == 0'
check scheduler-stop scheduler-stop "scheduler-stop disables the schedule in EventBridge Scheduler" \
    's == 200 and b == {"enabled": False, "schedule_expression": "cron(0 9 * * ? *)", "timezone": "Asia/Jakarta", "next_run": None, "paused_reason": None}'
state=$("$PY" -c 'import sys, boto3; print(boto3.client("scheduler", endpoint_url=sys.argv[1], region_name=sys.argv[2]).get_schedule(Name=sys.argv[3])["State"])' \
    "$MOTO_URL" "$AWS_REGION" "$schedule_name" 2>&1 || true)
if [[ "$state" == DISABLED ]]; then
    pass "the schedule is DISABLED in moto after scheduler-stop"
else
    fail "the schedule is DISABLED in moto after scheduler-stop (got: $state)"
fi
check scheduler-report-reset-start scheduler-report-reset-start "scheduler-report-reset-start enables the monthly schedule, next run on the 1st at 00:05" \
    's == 200 and b["enabled"] and b["schedule_expression"] == "cron(5 0 1 * ? *)" and b["next_run"].endswith("-01T00:05:00+07:00")'
state=$("$PY" -c 'import sys, boto3; print(boto3.client("scheduler", endpoint_url=sys.argv[1], region_name=sys.argv[2]).get_schedule(Name=sys.argv[3])["State"])' \
    "$MOTO_URL" "$AWS_REGION" "$monthly_name" 2>&1 || true)
if [[ "$state" == ENABLED ]]; then
    pass "the monthly schedule is ENABLED in moto after scheduler-report-reset-start"
else
    fail "the monthly schedule is ENABLED in moto after scheduler-report-reset-start (got: $state)"
fi
check manual-create manual-create "manual-create answers 201 with the normalised nopol and no_hp" \
    's == 201 and b["nopol"] == "B 1234 XYZ" and b["no_hp"] == "628123456789" and b["id"]'
created_id=$("$PY" -c 'import json, sys; print(json.loads(json.load(open(sys.argv[1]))["body"])["id"])' \
    "$work/manual-create.out" 2>/dev/null || true)
check manual-get-by-nopol manual-get-by-nopol "manual-get-by-nopol finds b1234xyz: the created record" \
    "s == 200 and b['id'] == '$created_id' != '' and b['nopol'] == 'B 1234 XYZ'"
check manual-get manual-get-missing "manual-get answers 404 with a detail for an unknown id" \
    's == 404 and isinstance(b["detail"], str) and "x-request-id" in h'
check manual-list manual-list-no-token "manual-list answers 401 with WWW-Authenticate without a token" \
    's == 401 and "detail" in b and h.get("www-authenticate", "").startswith("Bearer")'
# Sheets: an xlsx upload (base64 in the event, as API Gateway delivers a binary body) after
# manual-create registered B 1234 XYZ, then the records back as xlsx (base64 in the answer,
# as lambda_http encodes a non-text type) and as CSV (text).
check manual-import manual-import "manual-import reads a base64 xlsx body and reports each row" \
    's == 200 and b["dry_run"] is False and b["data"]["total"] == 6 and b["data"]["imported"] == 2 and [f["row"] for f in b["data"]["failures"]] == [2, 6, 7, 8] and "sudah terdaftar" in b["data"]["failures"][0]["error"]'
check manual-export manual-export "manual-export answers an xlsx file, base64-encoded, as a download" \
    's == 200 and r["isBase64Encoded"] is True and b[:2] == b"PK" and h["content-type"].startswith("application/vnd.openxmlformats") and h["content-disposition"].startswith("attachment; filename=")'
check manual-export manual-export-csv "manual-export answers CSV as text with the three imported records" \
    's == 200 and r["isBase64Encoded"] is False and b.lstrip("\ufeff").startswith("Nama,No Pol,No HP") and b.count("\n") == 4 and "Ibu Siti" in b'
# The register end to end: a customer with a due vehicle, its reminder (to the outbox: the
# secret holds no StarSender key), and the report's statistics counting it.
check register-customer-create register-customer-create "register-customer-create answers 201 with the vehicle's next service" \
    's == 201 and b["no_hp"] == "6281234567890" and b["vehicles"][0]["nopol"] == "B 1234 CD" and b["vehicles"][0]["next_service"]'
check reminder-send-register reminder-send-register "reminder-send-register reminds the due vehicle" \
    's == 200 and b["reminder_sent"] == 1 and b["details"][0]["model"] == "Avanza"'
check report-statistics report-statistics "report-statistics counts the reminder in the report" \
    's == 200 and b == {"total_customers_with_vehicles": 1, "total_messages_sent": 1, "average_messages_per_customer": 1.0, "customers_by_frequency": {"1": 1}}'
check report-reset-monthly scheduler-monthly "report-reset-monthly resets the report's row with a snapshot" \
    'r["success"] and r["reset_count"] == 1 and r["snapshot_id"]'
check report-statistics report-statistics "report-statistics after the monthly reset: the pair at 0" \
    's == 200 and b == {"total_customers_with_vehicles": 1, "total_messages_sent": 0, "average_messages_per_customer": 0.0, "customers_by_frequency": {"0": 1}}'

# --- The deployed executable ------------------------------------------------------------------
# stops_at_start DESCRIPTION EXPECTED [VAR=VALUE...]: runs the executable with only the variables
# given; it must stop at start (non-zero, within 20 s) and print EXPECTED.
stops_at_start() {
    local desc=$1 expected=$2 status=0
    shift 2
    env -i PATH="$PATH" "$@" timeout 20 "$executable" >"$work/start.log" 2>&1 || status=$?
    if ((status != 0 && status != 124)) && grep -qF -- "$expected" "$work/start.log"; then
        pass "$desc"
    else
        fail "$desc (exit status $status)"
        sed 's/^/#   /' "$work/start.log"
    fi
}
stops_at_start "the executable without _HANDLER stops at start, saying what is missing" \
    "_HANDLER is not set"
stops_at_start "the executable with an unknown _HANDLER stops at start, naming it and the functions" \
    'no function named "manual-lisst"' _HANDLER=manual-lisst
if grep -q "manual-list, " "$work/start.log"; then
    pass "the unknown-function error lists the functions"
else
    fail "the unknown-function error lists the functions"
fi

# A second emulator that only serves the runtime API (it starts nothing): the executable runs as
# Lambda runs it, one process per function, each told its function in _HANDLER, and they are
# invoked by name as before.
apis_port=$("$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
setsid "$CARGO_LAMBDA" lambda watch -p functions --only-lambda-apis --timeout 120 \
    --invoke-address 127.0.0.1 --invoke-port "$apis_port" >"$work/apis.log" 2>&1 &
apis_pid=$!
for _ in $(seq 1 120); do
    if ! kill -0 "$apis_pid" 2>/dev/null; then break; fi
    if (exec 3<>"/dev/tcp/127.0.0.1/$apis_port") 2>/dev/null; then break; fi
    sleep 0.5
done
run_as() { # run_as FUNCTION: the executable as FUNCTION, polling the second emulator
    (
        set -a
        . "$work/function.env"
        set +a
        export _HANDLER="$1" AWS_LAMBDA_FUNCTION_NAME="$1" AWS_LAMBDA_FUNCTION_VERSION=1 \
            AWS_LAMBDA_FUNCTION_MEMORY_SIZE=128 AWS_LAMBDA_RUNTIME_API="http://127.0.0.1:$apis_port/.rt/$1"
        exec "$executable"
    ) >"$work/executable-$1.log" 2>&1 &
    exe_pids+=($!)
}
run_as manual-list
run_as reminder-daily
invoke_port=$apis_port
broken=""
check manual-list manual-list "the executable as manual-list lists the record created above" \
    "s == 200 and '$created_id' != '' and '$created_id' in [r['id'] for r in b['data']]"
check manual-list manual-list-no-token "the executable as manual-list answers 401 without a token" \
    's == 401 and h.get("www-authenticate", "").startswith("Bearer")'
check manual-list manual-get-missing "the executable as manual-list answers 404 to manual-get's route: not its own" \
    's == 404 and b == {"detail": "Not Found"}'
check reminder-daily scheduler-daily "the executable as reminder-daily answers a run's counts" \
    'set(r) == {"total_records", "reminder_sent", "register_sent", "reminder_failed", "reminder_unknown", "reminder_skipped", "reminder_scheduled", "deferred", "paused_reason"} and r["reminder_failed"] == 0'

if ((failed > 0)); then
    for log in "$work"/executable-*.log; do
        echo "# $(basename "$log"):"
        tail -n 20 "$log" | sed 's/^/#   /'
    done
    echo "# cargo lambda watch log (last 40 lines):"
    tail -n 40 "$work/watch.log" | sed 's/^/#   /'
fi
echo "lambda: $passed passed, $failed failed"
((failed == 0))

# Sourced by the tiers that drive the local server as its own process (schemathesis.sh,
# hostile.sh); the caller defines `fail`.
#
# start_local_server BIN DIR: serves a fresh store in DIR (its log in DIR/server.log) on a free
# loopback port, with the outbox provider (messages kept, never sent) and quiet logs, and
# returns once it answers. Sets SERVER (its pid), URL, TOKEN (valid for two hours) and LOG.
start_local_server() {
  local bin=$1 dir=$2
  PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  # Messages leave at once, at any hour: the tiers check answers, not pacing.
  export DATA_DIR="$dir" PORT RUST_LOG=warn SEND_GAP_SECONDS=0-0 QUIET_HOURS=
  unset WHATSAPP_PROVIDER STARSENDER_API_KEY STARSENDER_WEBHOOK_SECRET JWT_ISSUER JWT_AUDIENCE CORS_ALLOW_ORIGINS
  mkdir -p "$dir"
  LOG="$dir/server.log"
  TOKEN=$("$bin" token 2) || fail "local token"
  "$bin" >"$LOG" 2>&1 &
  SERVER=$!
  URL="http://127.0.0.1:$PORT"
  for _ in $(seq 1 100); do
    curl -sf -o /dev/null "$URL/openapi.json" && return 0
    kill -0 "$SERVER" 2>/dev/null || { cat "$LOG"; fail "the local server exited"; }
    sleep 0.2
  done
  cat "$LOG"
  fail "the local server did not start on $URL"
}

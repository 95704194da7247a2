# Bash helpers for tests that export to the OTLP test receiver
# (test/peers/otlp_receiver.mjs). Source this file, then:
#
#   receiver_start [receiver args...]   start it in the background (all ports
#                                       chosen by the OS unless given), wait
#                                       for its JSON line, export
#                                       RECEIVER_GRPC_PORT, RECEIVER_HTTP_PORT,
#                                       RECEIVER_ADMIN_PORT, RECEIVER_PID and
#                                       RECEIVER_STDERR (its stderr file)
#   receiver_get PATH                   GET admin PATH, JSON on stdout
#   receiver_post PATH [JSON]           POST JSON (default {}) to admin PATH
#   receiver_stop                       POST /shutdown, wait; SIGTERM if needed
#
# Example:
#   source test/peers/otlp_receiver.sh
#   receiver_start || exit 1
#   trap receiver_stop EXIT
#   OTEL_EXPORTER_OTLP_ENDPOINT=http://127.0.0.1:$RECEIVER_HTTP_PORT ./exporter
#   receiver_get /sums | jq -e '."requests_total {\"symbol\":\"BTCUSDT\"}".sum == 3'
#   receiver_post /mode '{"mode":"throttle","retry_after_s":1}'
#
# receiver_get / receiver_post fail (non-zero status, body still on stdout)
# when the admin API answers with an HTTP error. They give up after
# RECEIVER_CURL_MAX_TIME seconds (default 60); keep wait_ms below that:
#   receiver_get '/points?since=0&wait_ms=15000' | jq length

_RECEIVER_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

receiver_start() {
  local workdir line i
  workdir="$(mktemp -d "${TMPDIR:-/tmp}/otlp_receiver.XXXXXX")" || return 1
  RECEIVER_STDERR="$workdir/stderr"
  : >"$workdir/stdout"
  node "$_RECEIVER_DIR/otlp_receiver.mjs" "$@" >"$workdir/stdout" 2>"$RECEIVER_STDERR" &
  RECEIVER_PID=$!
  export RECEIVER_PID RECEIVER_STDERR
  for ((i = 0; i < 200; ++i)); do
    if IFS= read -r line <"$workdir/stdout" && [[ "$line" == *'"admin_port"'*'}' ]]; then
      break
    fi
    if ! kill -0 "$RECEIVER_PID" 2>/dev/null; then
      echo "receiver_start: receiver exited before listening:" >&2
      cat "$RECEIVER_STDERR" >&2
      return 1
    fi
    sleep 0.05
  done
  if [[ "$line" != *'"admin_port"'*'}' ]]; then
    echo "receiver_start: no JSON line from the receiver within 10 s" >&2
    kill "$RECEIVER_PID" 2>/dev/null
    return 1
  fi
  RECEIVER_GRPC_PORT="$(sed -E 's/.*"grpc_port":([0-9]+).*/\1/' <<<"$line")"
  RECEIVER_HTTP_PORT="$(sed -E 's/.*"http_port":([0-9]+).*/\1/' <<<"$line")"
  RECEIVER_ADMIN_PORT="$(sed -E 's/.*"admin_port":([0-9]+).*/\1/' <<<"$line")"
  export RECEIVER_GRPC_PORT RECEIVER_HTTP_PORT RECEIVER_ADMIN_PORT
}

receiver_get() {
  curl -sS --fail-with-body --max-time "${RECEIVER_CURL_MAX_TIME:-60}" "http://127.0.0.1:${RECEIVER_ADMIN_PORT:?receiver not started}$1"
}

receiver_post() {
  curl -sS --fail-with-body --max-time "${RECEIVER_CURL_MAX_TIME:-60}" -X POST -H 'content-type: application/json' \
    --data "${2:-{\}}" "http://127.0.0.1:${RECEIVER_ADMIN_PORT:?receiver not started}$1"
}

receiver_stop() {
  local i
  [[ -n "${RECEIVER_PID:-}" ]] || return 0
  if kill -0 "$RECEIVER_PID" 2>/dev/null; then
    receiver_post /shutdown >/dev/null 2>&1 || kill -TERM "$RECEIVER_PID" 2>/dev/null
    for ((i = 0; i < 100; ++i)); do
      kill -0 "$RECEIVER_PID" 2>/dev/null || break
      sleep 0.05
    done
    kill -0 "$RECEIVER_PID" 2>/dev/null && kill -TERM "$RECEIVER_PID" 2>/dev/null
  fi
  wait "$RECEIVER_PID" 2>/dev/null
  unset RECEIVER_PID
}

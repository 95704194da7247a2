# Shared by the S3 end-to-end tests (s3_lake_test.sh, s3_crash_test.sh); source it after setting
# `work` (a temp dir the caller removes) and defining fail(). It provides:
#   s3_require_peers           exit 77 (SKIPPED) with the reason when node, s3rver, the signing
#                              proxy's npm packages or Debian's python3-boto3 are missing
#   s3_start [--proxy]         start s3rver (bucket "lake", a distinctive key pair) and, with
#                              --proxy, the SigV4-checking proxy in front of it; exports
#                              AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_REGION and
#                              AWS_ENDPOINT_URL (the proxy's port with --proxy); S3_DATA_DIR,
#                              S3_PROXY_LOG, S3_SIGNATURES; stops them at s3_stop
#   s3_stop                    close the launcher's stdin and wait (prints the proxy's STATS line)
#   s3_snapshot PREFIX DIR     boto3: download every object of s3://lake/PREFIX into DIR and write
#                              "key size" lines to DIR.list
#   s3_uploads PREFIX          boto3: in-flight multipart uploads under PREFIX ("key id" lines)
#   s3_copy SRC DST / s3_clear PREFIX   boto3: copy a lake between prefixes / empty a prefix
#                              (both leave .cltmp-runs/ alone)
#   digest_tree DIR            "path sha256" of every object (ledger entries without their
#                              ingested_at, _absent/ checked_at), .cltmp-runs/ excluded
#   list_tree DIR              "path size" of every object, .cltmp-runs/ excluded
s3_peers="$(cd "$(dirname "${BASH_SOURCE[0]}")/../peers" && pwd)"
s3_e2e_peers="$(cd "$(dirname "${BASH_SOURCE[0]}")/peers" && pwd)"
S3_PYTHON=/usr/bin/python3  # Debian's python3 (a pyenv python3 may come first on PATH)
S3_TEST_KEY_ID=AKIDCRYPTOLAKEE2E
S3_TEST_SECRET="cl-e2e-secret-$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')"

s3_require_peers() {
  command -v node > /dev/null 2>&1 || { echo "SKIPPED: node is not installed (scripts/setup.sh)"; exit 77; }
  local m
  for m in s3rver @smithy/signature-v4 @smithy/hash-node; do
    [ -d "$s3_peers/node_modules/$m" ] || { echo "SKIPPED: npm $m is not installed in test/peers (scripts/setup.sh)"; exit 77; }
  done
  "$S3_PYTHON" -c 'import boto3' > /dev/null 2>&1 ||
    { echo "SKIPPED: Debian python3-boto3 is not installed ($S3_PYTHON -c 'import boto3' fails; scripts/setup.sh)"; exit 77; }
}

s3_start() {
  S3_DATA_DIR="$work/s3rver"; S3_PROXY_LOG="$work/proxy.log"; S3_SIGNATURES="$work/signatures.txt"
  mkdir -p "$S3_DATA_DIR"; : > "$S3_PROXY_LOG"; : > "$S3_SIGNATURES"
  mkfifo "$work/s3.stdin"
  node "$s3_peers/s3rver_launcher.mjs" --dir "$S3_DATA_DIR" --bucket lake \
    --key "$S3_TEST_KEY_ID:$S3_TEST_SECRET" "$@" --proxy-log "$S3_PROXY_LOG" \
    --proxy-signatures "$S3_SIGNATURES" --info "$work/s3.info" \
    < "$work/s3.stdin" > "$work/s3.ready" 2> "$work/s3.stderr" &
  S3_LAUNCHER_PID=$!
  exec 7> "$work/s3.stdin"  # the launcher serves while this stays open
  local i port=""
  for i in $(seq 1 300); do
    port="$(sed -n 's/^READY \([0-9]*\)$/\1/p' "$work/s3.ready")"
    [ -n "$port" ] && break
    kill -0 "$S3_LAUNCHER_PID" 2> /dev/null || fail "s3rver launcher died: $(cat "$work/s3.stderr")"
    sleep 0.1
  done
  [ -n "$port" ] || fail "s3rver launcher printed no READY line: $(cat "$work/s3.stderr")"
  S3_PORT="$port"
  S3RVER_PORT="$(sed 's/.*"s3rver_port":\([0-9]*\).*/\1/' "$work/s3.info")"
  export AWS_ACCESS_KEY_ID="$S3_TEST_KEY_ID" AWS_SECRET_ACCESS_KEY="$S3_TEST_SECRET"
  export AWS_REGION=us-east-1 AWS_ENDPOINT_URL="http://127.0.0.1:$S3_PORT"
  unset AWS_PROFILE AWS_SESSION_TOKEN AWS_DEFAULT_PROFILE
  export AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null
}

s3_stop() {
  [ -n "${S3_LAUNCHER_PID:-}" ] || return 0
  exec 7>&-
  wait "$S3_LAUNCHER_PID" 2> /dev/null || true
  S3_LAUNCHER_PID=""
  grep '^STATS' "$work/s3.stderr" || true
}

s3_snapshot() {  # s3_snapshot PREFIX DIR
  rm -rf "$2"; mkdir -p "$2"
  "$S3_PYTHON" "$s3_e2e_peers/s3_readback.py" snapshot lake "$1" "$2" > "$2.list" 2> "$2.err" ||
    fail "boto3 snapshot of s3://lake/$1: $(cat "$2.err")"
}

s3_uploads() {
  "$S3_PYTHON" "$s3_e2e_peers/s3_readback.py" uploads lake "$1" 2> "$work/uploads.err" ||
    fail "boto3 list_multipart_uploads: $(cat "$work/uploads.err")"
}

s3_copy() {
  "$S3_PYTHON" "$s3_e2e_peers/s3_readback.py" copy lake "$1" "$2" 2> "$work/copy.err" ||
    fail "boto3 copy $1 -> $2: $(cat "$work/copy.err")"
}

s3_clear() {
  "$S3_PYTHON" "$s3_e2e_peers/s3_readback.py" clear lake "$1" 2> "$work/clear.err" ||
    fail "boto3 clear $1: $(cat "$work/clear.err")"
}

digest_tree() {
  # Ledger entries, gold ledger entries and absence records carry the time they were written;
  # that alone may differ.
  (cd "$1" && find . -type f ! -path './.cltmp-runs/*' ! -path './_ledger/*' ! -path './_absent/*' \
     ! -path './_gold/*' -print0 | sort -z | xargs -0 -r sha256sum
   { find ./_ledger ./_absent ./_gold -type f 2> /dev/null || true; } | sort | while read -r f; do
     echo "$f $(sed 's/"ingested_at": *"[^"]*"//; s/"checked_at": *"[^"]*"//; s/"built_at": *"[^"]*"//' "$f" | sha256sum)"
   done)
}

list_tree() {
  (cd "$1" && find . -type f ! -path './.cltmp-runs/*' -printf '%P %s\n' | LC_ALL=C sort)
}

# A valid COIN-M aggTrades day of $2 rows under ${S3_SRC:-$work/src} (version $3 shifts prices, so the bytes
# differ; bad=1 makes one row's price non-numeric).
make_day() {  # make_day DAY ROWS VERSION [BAD]
  local day="$1" rows="$2" version="$3" bad="${4:-0}" name="BTCUSD_PERP-aggTrades-$1"
  local rel="data/futures/cm/daily/aggTrades/BTCUSD_PERP" t0
  t0=$(( $(date -u -d "$day" +%s) * 1000 ))
  local src="${S3_SRC:-$work/src}"
  mkdir -p "$src/$rel"
  awk -v n="$rows" -v t0="$t0" -v v="$version" -v bad="$bad" 'BEGIN {
      print "agg_trade_id,price,quantity,first_trade_id,last_trade_id,transact_time,is_buyer_maker"
      srand(7 + v); p = 60000 + v
      for (i = 1; i <= n; i++) {
        p += (rand() - 0.5) * 4; if (p < 1) p = 1
        price = sprintf("%.1f", p); if (bad && i == 3) price = "not-a-price"
        printf "%.0f,%s,%d,%.0f,%.0f,%.0f,%s\n", 1000000 + i, price, 1 + int(rand() * 50), 2000000 + 2 * i,
               2000000 + 2 * i + 1, t0 + int(i * 86399000 / n), (rand() < 0.5 ? "true" : "false")
      }
    }' > "$work/$name.csv"
  rm -f "$src/$rel/$name.zip"
  (cd "$work" && zip -q -1 "$src/$rel/$name.zip" "$name.csv")
  (cd "$src/$rel" && sha256sum "$name.zip" > "$name.zip.CHECKSUM")
  rm -f "$work/$name.csv"
}

# A spot trades day of $2 rows (2025+ layout: no header, microseconds) whose values are noisy
# enough that the silver object of 700,000 rows is ~11 MB, above the 8 MiB multipart threshold.
make_trades_day() {  # make_trades_day DAY ROWS
  local day="$1" rows="$2" name="BTCUSDT-trades-$1" rel="data/spot/daily/trades/BTCUSDT"
  local src="${S3_SRC:-$work/src}" t0
  t0=$(( $(date -u -d "$day" +%s) * 1000000 ))
  mkdir -p "$src/$rel"
  awk -v n="$rows" -v t0="$t0" 'BEGIN {
    srand(3); p = 105000
    for (i = 1; i <= n; i++) {
      p += (rand() - 0.5) * 2; if (p < 1) p = 1
      q = 0.00001 + int(rand() * 100000) / 100000
      printf "%.0f,%.2f,%.5f,%.7f,%.0f,%s,True\n", 5000000000 + i, p, q, p * q,
             t0 + int(i * (86399000000 / n)), (rand() < 0.5 ? "True" : "False")
    }
  }' > "$work/$name.csv"
  rm -f "$src/$rel/$name.zip"
  (cd "$work" && zip -q -1 "$src/$rel/$name.zip" "$name.csv")
  (cd "$src/$rel" && sha256sum "$name.zip" > "$name.zip.CHECKSUM")
  rm -f "$work/$name.csv"
}

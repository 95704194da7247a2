# Sourced by the e2e tests that run a real Prometheus server (Debian's /usr/bin/prometheus)
# against one of our /metrics endpoints on 127.0.0.1.
#
#   prometheus_start <target port> <work dir>   starts Prometheus scraping 127.0.0.1:<port> every
#                                                second (job "cryptolake"), storage under the work
#                                                dir; sets prom_pid, prom_port and api (the HTTP
#                                                API base URL). The caller kills prom_pid.
#   prom_query <promql>                          the first result's value, "" when none
prometheus_start() {
  local target="$1" dir="$2"
  prom_port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
  cat > "$dir/prometheus.yml" <<YAML
global:
  scrape_interval: 1s
  evaluation_interval: 1s
scrape_configs:
  - job_name: cryptolake
    static_configs:
      - targets: ['127.0.0.1:$target']
YAML
  /usr/bin/prometheus --config.file="$dir/prometheus.yml" --storage.tsdb.path="$dir/tsdb" \
    --web.listen-address="127.0.0.1:$prom_port" > "$dir/prometheus.log" 2>&1 &
  prom_pid=$!
  api="http://127.0.0.1:$prom_port/api/v1"
}

prom_query() {
  curl -sf --get "$api/query" --data-urlencode "query=$1" | jq -r '.data.result[0].value[1] // ""'
}

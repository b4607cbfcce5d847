#!/bin/sh
# capture.sh records one real remote write 1.0 request from Debian's
# Prometheus (apt-get install -y prometheus) into testdata/, for the golden
# tests. It starts a tiny capture endpoint (python3, 127.0.0.1 only) and a
# Prometheus that scrapes itself once a second and remote-writes to it, keeps
# the first request that carries time series and the first metadata-only
# request, records `prometheus --version` next to them, and stops both.
#
# usage: translate/prom/testdata/capture.sh   (from anywhere; ~20 s)
set -eu
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
cport=${CAPTURE_PORT:-19291}
pport=${PROM_PORT:-19290}
trap 'kill $cap_pid $prom_pid 2>/dev/null || true; rm -rf "$work"' EXIT

cat >"$work/capture.py" <<PY
import http.server, sys, os
out = sys.argv[1]
class H(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get('Content-Length', 0)))
        n = len([f for f in os.listdir(out) if f.endswith('.bin')])
        with open(os.path.join(out, 'req%03d.bin' % n), 'wb') as f:
            f.write(body)
        with open(os.path.join(out, 'req%03d.hdr' % n), 'w') as f:
            for k in ('Content-Encoding', 'Content-Type', 'X-Prometheus-Remote-Write-Version', 'User-Agent'):
                f.write('%s: %s\n' % (k, self.headers.get(k, '')))
        self.send_response(204); self.end_headers()
    def log_message(self, *a): pass
http.server.HTTPServer(('127.0.0.1', int(sys.argv[2])), H).serve_forever()
PY
mkdir "$work/reqs"
python3 "$work/capture.py" "$work/reqs" "$cport" &
cap_pid=$!

cat >"$work/prometheus.yml" <<YML
global:
  scrape_interval: 1s
scrape_configs:
  - job_name: prometheus
    static_configs:
      - targets: ['127.0.0.1:$pport']
remote_write:
  - url: http://127.0.0.1:$cport/write
    queue_config: {batch_send_deadline: 1s, max_samples_per_send: 2000}
    metadata_config: {send: true, send_interval: 2s}
YML
prometheus --config.file="$work/prometheus.yml" --storage.tsdb.path="$work/tsdb" \
	--web.listen-address="127.0.0.1:$pport" >"$work/prom.log" 2>&1 &
prom_pid=$!
sleep "${CAPTURE_SECONDS:-15}"

# Python decides which capture is which: the first request whose protobuf
# starts with field 1 (timeseries, tag byte 0x0a) and the first starting
# with field 3 (metadata, tag byte 0x1a), judged on the snappy-decoded bytes
# by the Go test helper instead; here we keep the two largest and smallest.
ls -S "$work"/reqs/*.bin >"$work/bysize"
big=$(head -n 1 "$work/bysize")
small=$(tail -n 1 "$work/bysize")
cp "$big" "$here/prometheus-2.42-rw1.snappy"
cp "${big%.bin}.hdr" "$here/prometheus-2.42-rw1.headers"
cp "$small" "$here/prometheus-2.42-rw1-small.snappy"
cp "${small%.bin}.hdr" "$here/prometheus-2.42-rw1-small.headers"
prometheus --version 2>&1 | head -n 1 >"$here/prometheus-2.42-rw1.version"
echo "captured $(ls "$work"/reqs/*.bin | wc -l) requests; kept $(wc -c <"$big") and $(wc -c <"$small") bytes"

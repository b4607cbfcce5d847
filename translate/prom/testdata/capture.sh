#!/bin/sh
# capture.sh records one real remote write 1.0 request from Debian's
# Prometheus (apt-get install -y prometheus) into testdata/, for the golden
# tests. It starts a tiny capture endpoint (python3, 127.0.0.1 only) and a
# Prometheus that scrapes itself once a second and remote-writes to it, keeps
# the largest request that carries time series (from a remote_write that
# sends no metadata) and the largest metadata-only request (from a second
# remote_write whose relabelling drops every series), records
# `prometheus --version` next to them, and stops both.
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
        kind = self.path.strip('/')
        n = len([f for f in os.listdir(out) if f.endswith('.bin')])
        with open(os.path.join(out, '%s%03d.bin' % (kind, n)), 'wb') as f:
            f.write(body)
        with open(os.path.join(out, '%s%03d.hdr' % (kind, n)), 'w') as f:
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
  - url: http://127.0.0.1:$cport/series
    queue_config: {batch_send_deadline: 1s, max_samples_per_send: 2000}
    metadata_config: {send: false}
  - url: http://127.0.0.1:$cport/metadata
    metadata_config: {send: true, send_interval: 2s}
    write_relabel_configs: [{action: drop, source_labels: [__name__], regex: '.+'}]
YML
prometheus --config.file="$work/prometheus.yml" --storage.tsdb.path="$work/tsdb" \
	--web.listen-address="127.0.0.1:$pport" >"$work/prom.log" 2>&1 &
prom_pid=$!
sleep "${CAPTURE_SECONDS:-15}"

series=$(ls -S "$work"/reqs/series*.bin | head -n 1)
meta=$(ls -S "$work"/reqs/metadata*.bin | head -n 1)
cp "$series" "$here/prometheus-2.42-rw1-series.snappy"
cp "${series%.bin}.hdr" "$here/prometheus-2.42-rw1-series.headers"
cp "$meta" "$here/prometheus-2.42-rw1-metadata.snappy"
cp "${meta%.bin}.hdr" "$here/prometheus-2.42-rw1-metadata.headers"
prometheus --version 2>&1 | head -n 1 >"$here/prometheus-2.42-rw1.version"
echo "captured $(ls "$work"/reqs/*.bin | wc -l) requests; kept $(wc -c <"$series") and $(wc -c <"$meta") bytes"

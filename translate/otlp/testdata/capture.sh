#!/usr/bin/env bash
# Captures real OTLP payloads from telemetrygen into golden-test fixtures:
# metrics of every type telemetrygen can send, logs and traces, as binary
# OTLP protobuf (what the bridge's receiver decodes with pdata). It records
# telemetrygen's version next to them. Re-run, then `go test ./translate/otlp
# -run Golden -update` to regenerate the expected tables.
#
# Needs Go; installs telemetrygen with `go install` unless TELEMETRYGEN
# points at a binary.
set -euo pipefail
cd "$(dirname "$0")"
here=$(pwd)
version=${TELEMETRYGEN_VERSION:-v0.161.0}
port=${CAPTURE_PORT:-43180}
tmp=$(mktemp -d)
sink=""
trap '[ -n "$sink" ] && kill "$sink" 2>/dev/null; rm -rf "$tmp"' EXIT
tg=${TELEMETRYGEN:-}
if [ -z "$tg" ]; then
	GOBIN="$tmp" go install "github.com/open-telemetry/opentelemetry-collector-contrib/cmd/telemetrygen@$version"
	tg="$tmp/telemetrygen"
fi
go build -o "$tmp/capture" ./capture
"$tmp/capture" -addr "127.0.0.1:$port" -out "$tmp" &
sink=$!
sleep 1

common=(--otlp-http --otlp-insecure --otlp-endpoint "127.0.0.1:$port" --workers 1)
attrs=(--telemetry-attributes 'http.request.method="GET"' --telemetry-attributes 'retries=3')

capture() { # name signal args...
	local name=$1 signal=$2
	shift 2
	rm -f "$tmp/$signal"-*.pb
	"$tg" "$@"
	sleep 0.5
	# The sink numbers bodies per signal across runs: take this run's first.
	local first
	first=$(ls "$tmp" | grep "^$signal-" | sort -V | head -n 1 || true)
	if [ -z "$first" ]; then
		echo "no $signal payload captured for $name" >&2
		exit 1
	fi
	cp "$tmp/$first" "$here/telemetrygen_$name.pb"
}

for type in Gauge Sum Histogram ExponentialHistogram; do
	lower=$(echo "$type" | tr '[:upper:]' '[:lower:]')
	capture "metrics_$lower" metrics metrics "${common[@]}" "${attrs[@]}" --metric-type "$type" --metrics 3
done
capture logs logs logs "${common[@]}" "${attrs[@]}" --logs 3 --body 'hello from telemetrygen'
capture traces traces traces "${common[@]}" "${attrs[@]}" --traces 2 --child-spans 1

go version -m "$tg" | awk '$1=="mod"{print "telemetrygen", $3}' > "$here/telemetrygen.version"
echo "captured with $(cat "$here/telemetrygen.version")"

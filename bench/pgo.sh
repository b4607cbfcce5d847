#!/usr/bin/env bash
# Refreshes cmd/bridge/default.pgo, the CPU profile `go build` uses for
# profile-guided optimisation of the bridge (go help buildflags: -pgo=auto
# picks default.pgo in the main package's directory). It profiles the
# bridge, default configuration, in front of `cmd/greptimetest -load`
# under each of compare.sh's workloads for the bridge, and merges the
# profiles, so that no one protocol's hot paths are favoured.
#
# Run it niced on a quiet machine after changes that move the hot paths,
# then compare before and after with bench/compare.sh:
#   nice -n 10 bash bench/pgo.sh            # about 4 minutes
# Settings (environment): WARMUP=3s, SECONDS_PER=15 (profile length per
# workload), OUT=cmd/bridge/default.pgo.
set -euo pipefail
cd "$(dirname "$0")/.."
WARMUP="${WARMUP:-3s}"
SECONDS_PER="${SECONDS_PER:-15}"
OUT="${OUT:-cmd/bridge/default.pgo}"

# The workloads of compare.sh (its WORKLOAD_TABLE), bridge side.
WORKLOADS=(
	"-proto otlp-grpc -senders 32 -kind sum -series 10000 -items 1000 -attrs 12"
	"-proto otlp-grpc -senders 32 -kind histogram -series 10000 -items 1000 -attrs 12"
	"-proto otlp-grpc -senders 32 -kind logs -series 10000 -items 1000 -attrs 12"
	"-proto rw1 -senders 8 -series 10000 -labels 8 -names 100"
	"-proto rw1 -senders 8 -series 100000 -labels 12 -names 100"
	"-proto rw1 -senders 8 -series 10000 -labels 6 -names 1000"
	"-proto rw1 -senders 8 -series 10000 -labels 8 -names 5"
)

WORK="$(mktemp -d -t bridge-pgo-XXXXXX)"
PIDS=()
# cleanup ends the processes this script started, by pid, and its files.
cleanup() {
	for pid in "${PIDS[@]}"; do stop "$pid"; done
	rm -rf "$WORK"
}
trap cleanup EXIT
# stop ends one process started here.
stop() {
	kill "$1" 2>/dev/null || true
	wait "$1" 2>/dev/null || true
}

go build -o "$WORK/" ./cmd/bridge ./cmd/greptimetest ./cmd/loadgen
B="$WORK"
n=0
for flags in "${WORKLOADS[@]}"; do
	n=$((n + 1))
	read -r g h r <<<"$("$B/loadgen" ports 3 | tr '\n' ' ')"
	"$B/greptimetest" -addr "127.0.0.1:$g" -load >"$WORK/gt.log" 2>&1 &
	gp=$!
	PIDS=("$gp")
	printf 'greptimedb:\n  endpoints: ["127.0.0.1:%s"]\nlisten:\n  http: 127.0.0.1:%s\n  grpc: 127.0.0.1:%s\n  pprof: true\n' "$g" "$h" "$r" >"$WORK/bridge.yaml"
	"$B/loadgen" wait pid="$gp" "127.0.0.1:$g"
	"$B/bridge" -config "$WORK/bridge.yaml" >"$WORK/bridge.log" 2>&1 &
	bp=$!
	PIDS=("$bp" "$gp")
	"$B/loadgen" wait pid="$bp" "127.0.0.1:$h" "127.0.0.1:$r"
	case "$flags" in
	*otlp*) target="127.0.0.1:$r" ;;
	*) target="http://127.0.0.1:$h/api/v1/write" ;;
	esac
	# shellcheck disable=SC2086 # flags holds several flags
	"$B/loadgen" run $flags -target "$target" -warmup "$WARMUP" -duration "$((SECONDS_PER + 2))s" >"$WORK/load.log" 2>&1 &
	lp=$!
	PIDS=("$lp" "$bp" "$gp")
	sleep "${WARMUP%s}"
	curl -sf -o "$WORK/$n.pprof" "http://127.0.0.1:$h/debug/pprof/profile?seconds=$SECONDS_PER"
	wait "$lp"
	stop "$bp"
	stop "$gp"
	PIDS=()
	echo "profiled: $flags" >&2
done
go tool pprof -proto "$WORK"/*.pprof >"$OUT"
echo "wrote $OUT ($(wc -c <"$OUT") bytes)" >&2

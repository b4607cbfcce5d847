#!/usr/bin/env bash
# Side-by-side comparison of the bridge and the peers users compare it
# with, in one run on one machine (see bench/README.md):
#   remote write: loadgen → vmagent → counting sink, against
#                 loadgen → bridge (default configuration) → greptimetest
#   OTLP:         loadgen → otelcol (otlp → batch → otlp_http) → counting sink,
#                 against loadgen → bridge → greptimetest
# Every run starts fresh processes, warms up, then measures a window: the
# target's own CPU (utime+stime from /proc/PID/stat at the window's edges)
# per accepted item, its peak RSS (VmHWM) and loadgen's throughput and
# latency. Targets alternate in order from run to run.
#
# Settings (environment):
#   RUNS=3            runs per workload and target
#   WARMUP=3s         load before each measured window (not measured)
#   DURATION=8s       measured window
#   WORKLOADS="..."   names from the table below (default: all)
#   SINK_FLAG=-load   the flag that puts cmd/greptimetest in its cheap mode (-count-only: the old, full-decode one)
#   OUT=dir           where results.jsonl, summary.md and logs go (default: a temp dir)
#   LOADGEN_FLAGS="..." extra flags for every `loadgen run`, e.g. "-rate 40000"
#                     to measure latency at a fixed load instead of full speed
#   SMOKE=1           the CI form: one short run of two small workloads
#   BASELINE=dir      a directory with another build's bridge (go build -o dir
#                     ./cmd/bridge ./cmd/greptimetest at an older commit), run
#                     as target "baseline" in alternation with the bridge, in
#                     front of this checkout's greptimetest: before/after
#                     figures, with a "bridge / baseline" row among the ratios
#   BASELINE_SINK=1   the baseline writes to its own build's greptimetest
#   SKIP_PEER=1       leave the peer out (with BASELINE: two builds only)
#   PEERS_ONLY=1      only find the peers, print them, exit 0 (1 if one is missing)
#   VMAGENT, OTELCOL  peer binaries (default: PATH, $(go env GOPATH)/bin,
#                     ~/.cache/greptime-bridge-e2e/otelcol; .ci/install puts them there)
# Run it niced on a shared machine:  nice -n 10 bash bench/compare.sh
set -eEuo pipefail
if [ -n "${BASELINE:-}" ]; then
	BASELINE="$(cd "$BASELINE" && pwd)" # relative to the caller, not the checkout
fi
cd "$(dirname "$0")/.."
export PATH="$PATH:/usr/local/go/bin:$(go env GOPATH)/bin"

RUNS="${RUNS:-3}"
WARMUP="${WARMUP:-3s}"
DURATION="${DURATION:-8s}"
SINK_FLAG="${SINK_FLAG:--load}"
CACHE="${E2E_CACHE:-$HOME/.cache/greptime-bridge-e2e}"

# name | peer | loadgen flags. Remote write: requests of 2,000 series × 1
# sample from 8 senders, as Prometheus sends them (1.0, snappy); OTLP:
# exports of 1,000 items with 12 attributes from 32 senders over gRPC.
WORKLOAD_TABLE="
rw-10k-8l|vmagent|-proto rw1 -senders 8 -series 10000 -labels 8 -names 100
rw-100k-12l|vmagent|-proto rw1 -senders 8 -series 100000 -labels 12 -names 100
rw-node-1000names|vmagent|-proto rw1 -senders 8 -series 10000 -labels 6 -names 1000
rw-deep-5names|vmagent|-proto rw1 -senders 8 -series 10000 -labels 8 -names 5
otlp-sum|otelcol|-proto otlp-grpc -senders 32 -kind sum -series 10000 -items 1000 -attrs 12
otlp-histogram|otelcol|-proto otlp-grpc -senders 32 -kind histogram -series 10000 -items 1000 -attrs 12
otlp-logs|otelcol|-proto otlp-grpc -senders 32 -kind logs -series 10000 -items 1000 -attrs 12
smoke-rw|vmagent|-proto rw1 -senders 2 -series 4000 -labels 8 -names 100
smoke-otlp|otelcol|-proto otlp-grpc -senders 4 -kind sum -series 2000 -items 200 -attrs 12
"
WORKLOADS="${WORKLOADS:-rw-10k-8l rw-100k-12l rw-node-1000names rw-deep-5names otlp-sum otlp-histogram otlp-logs}"
if [ "${SMOKE:-}" = "1" ]; then
	# Small requests and few senders: answers come well inside the short
	# window even on a loaded CI machine. It checks figures are produced.
	RUNS=1 WARMUP=1s DURATION=2s
	WORKLOADS="smoke-rw smoke-otlp"
fi

log() { printf '[compare %s] %s\n' "$(date +%T)" "$*" >&2; }

# find_peer NAME VAR: the peer's path, as test/e2e finds it.
find_peer() {
	local name="$1" var="$2" p
	p="${!var:-}"
	if [ -n "$p" ]; then
		[ -x "$p" ] || { log "$var=$p: not an executable"; exit 1; }
		echo "$p"
		return
	fi
	for p in "$(command -v "$name" 2>/dev/null || true)" "$(go env GOPATH | cut -d: -f1)/bin/$name" "$CACHE/otelcol/$name"; do
		if [ -n "$p" ] && [ -x "$p" ]; then echo "$p"; return; fi
	done
	log "$name not found: set $var or run .ci/install"
	exit 1
}

if [ "${PEERS_ONLY:-}" = "1" ]; then
	VMAGENT="$(find_peer vmagent VMAGENT)"
	OTELCOL="$(find_peer otelcol-e2e OTELCOL)"
	printf 'vmagent=%s\notelcol=%s\n' "$VMAGENT" "$OTELCOL"
	exit 0
fi

if [ -n "${BASELINE:-}" ] && { [ ! -x "$BASELINE/bridge" ] || { [ "${BASELINE_SINK:-}" = "1" ] && [ ! -x "$BASELINE/greptimetest" ]; }; }; then
	echo "BASELINE=$BASELINE: want a directory with the executable bridge (and greptimetest with BASELINE_SINK=1)" >&2
	exit 2
fi

WORK="$(mktemp -d -t bridge-compare-XXXXXX)"
OUT="${OUT:-$WORK/out}"
mkdir -p "$OUT" "$WORK/bin"

PIDS=()
# stop_all ends every process this script started, by its pid, newest
# first (the target before its sink, so the target's shutdown can still
# flush): SIGTERM, then SIGKILL after 10 s.
stop_all() {
	local pid i n
	for ((n = ${#PIDS[@]} - 1; n >= 0; n--)); do
		pid="${PIDS[$n]}"
		kill -TERM "$pid" 2>/dev/null || true
		for i in $(seq 100); do
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.1
		done
		kill -KILL "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
	done
	PIDS=()
}
# cleanup stops what is running and removes the binaries and run
# directories (kept after a failure, for its logs); results stay in OUT.
cleanup() {
	stop_all
	if [ -z "${KEEP:-}" ]; then
		case "$OUT" in
		"$WORK"/*) rm -rf "$WORK/bin" "$WORK/tmp" ;;
		*) rm -rf "$WORK" ;;
		esac
	fi
}
trap cleanup EXIT
# A failing step keeps the run directories, whose logs say why.
trap 'KEEP=1; log "failed (line $LINENO); logs kept in $WORK/tmp"' ERR
trap 'exit 130' INT TERM

log "building bridge, greptimetest and loadgen into $WORK/bin"
# One go command links the three in parallel.
go build -o "$WORK/bin/" ./cmd/bridge ./cmd/greptimetest ./cmd/loadgen
LOADGEN="$WORK/bin/loadgen"
log "built"
need_vmagent=0 need_otelcol=0
for w in $WORKLOADS; do
	line="$(printf '%s\n' "$WORKLOAD_TABLE" | grep "^$w|")" || { log "unknown workload $w"; exit 2; }
	case "$(echo "$line" | cut -d'|' -f2)" in
	vmagent) need_vmagent=1 ;;
	otelcol) need_otelcol=1 ;;
	esac
done
if [ "${SKIP_PEER:-}" = "1" ]; then
	need_vmagent=0 need_otelcol=0
fi
[ "$need_vmagent" = 1 ] && VMAGENT="$(find_peer vmagent VMAGENT)"
[ "$need_otelcol" = 1 ] && OTELCOL="$(find_peer otelcol-e2e OTELCOL)"

{
	echo "date: $(date -u '+%Y-%m-%d %H:%M UTC')"
	echo "machine: $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(uname -sr)"
	echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
	echo "$(go version); vmagent: ${VMAGENT:-none}; otelcol: ${OTELCOL:-none}"
	echo "runs $RUNS, warm-up $WARMUP, measured window $DURATION, greptimetest $SINK_FLAG"
	if [ -n "${BASELINE:-}" ]; then
		echo "baseline: $BASELINE (its own greptimetest: ${BASELINE_SINK:-0}); bridge: $(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
	fi
} >"$OUT/machine.txt"
cat "$OUT/machine.txt" >&2

# start NAME LOGFILE CMD...: runs a process in the background, records its pid.
start() {
	local name="$1" logf="$2"
	shift 2
	"$@" >"$logf" 2>&1 &
	PIDS+=("$!")
	eval "PID_$name=$!"
}

# start_vmagent: vmagent (its defaults but the URL, the queue path and the
# listen address) in front of the counting sink.
start_vmagent() {
	local p s
	read -r p s <<<"$("$LOADGEN" ports 2 | tr "\n" " ")"
	start sink "$RUN_DIR/sink.log" "$LOADGEN" sink -addr "127.0.0.1:$s"
	start target "$RUN_DIR/vmagent.log" "$VMAGENT" -httpListenAddr="127.0.0.1:$p" \
		-remoteWrite.url="http://127.0.0.1:$s/api/v1/write" -remoteWrite.tmpDataPath="$RUN_DIR/vmagent-queue"
	"$LOADGEN" wait pid="$PID_sink" pid="$PID_target" "127.0.0.1:$s" "127.0.0.1:$p"
	TARGET="http://127.0.0.1:$p/api/v1/write"
}

# start_otelcol: the ocb-built Collector, otlp (gRPC) → batch → otlp_http
# without compression, in front of the counting sink. Its own telemetry is
# off so that it does not bind :8888.
start_otelcol() {
	local p s
	read -r p s <<<"$("$LOADGEN" ports 2 | tr "\n" " ")"
	start sink "$RUN_DIR/sink.log" "$LOADGEN" sink -addr "127.0.0.1:$s"
	cat >"$RUN_DIR/otelcol.yaml" <<EOF
receivers:
  otlp:
    protocols:
      grpc:
        endpoint: 127.0.0.1:$p
processors:
  batch:
exporters:
  otlp_http:
    endpoint: http://127.0.0.1:$s
    compression: none
service:
  telemetry:
    metrics:
      level: none
  pipelines:
    metrics:
      receivers: [otlp]
      processors: [batch]
      exporters: [otlp_http]
    logs:
      receivers: [otlp]
      processors: [batch]
      exporters: [otlp_http]
EOF
	start target "$RUN_DIR/otelcol.log" "$OTELCOL" --config "$RUN_DIR/otelcol.yaml"
	"$LOADGEN" wait pid="$PID_sink" pid="$PID_target" "127.0.0.1:$s" "127.0.0.1:$p"
	TARGET="127.0.0.1:$p"
}

# start_bridge KIND [BINDIR [SINKDIR]]: greptimetest in its cheap mode as a
# separate process, from SINKDIR, and the bridge with its default
# configuration but its addresses, from BINDIR (default for both: this
# checkout's build).
start_bridge() {
	local g h r bin="${2:-$WORK/bin}" sinkbin="${3:-$WORK/bin}"
	read -r g h r <<<"$("$LOADGEN" ports 3 | tr "\n" " ")"
	# shellcheck disable=SC2086 # SINK_FLAG may hold several flags
	start sink "$RUN_DIR/greptimetest.log" "$sinkbin/greptimetest" -addr "127.0.0.1:$g" $SINK_FLAG
	cat >"$RUN_DIR/bridge.yaml" <<EOF
greptimedb:
  endpoints: ["127.0.0.1:$g"]
listen:
  http: 127.0.0.1:$h
  grpc: 127.0.0.1:$r
EOF
	"$LOADGEN" wait pid="$PID_sink" "127.0.0.1:$g"
	start target "$RUN_DIR/bridge.log" "$bin/bridge" -config "$RUN_DIR/bridge.yaml"
	"$LOADGEN" wait pid="$PID_sink" pid="$PID_target" "127.0.0.1:$h" "127.0.0.1:$r"
	if [ "$1" = "vmagent" ]; then
		TARGET="http://127.0.0.1:$h/api/v1/write"
	else
		TARGET="127.0.0.1:$r"
	fi
}

# one_run WORKLOAD PEER TARGET RUN FLAGS...
one_run() {
	local w="$1" peer="$2" target="$3" run="$4" sinkname=sink
	shift 4
	RUN_DIR="$WORK/tmp/$w-$target-$run"
	mkdir -p "$RUN_DIR"
	case "$target" in
	vmagent) start_vmagent ;;
	otelcol) start_otelcol ;;
	bridge) start_bridge "$peer"; sinkname=greptimetest ;;
	baseline)
		if [ "${BASELINE_SINK:-}" = "1" ]; then start_bridge "$peer" "$BASELINE" "$BASELINE"; else start_bridge "$peer" "$BASELINE"; fi
		sinkname=greptimetest
		;;
	esac
	log "$w: $target, run $run"
	# shellcheck disable=SC2154 # PID_target and PID_sink are set by start
	# shellcheck disable=SC2086 # LOADGEN_FLAGS holds several flags
	if ! "$LOADGEN" run "$@" ${LOADGEN_FLAGS:-} -target "$TARGET" -warmup "$WARMUP" -duration "$DURATION" -json \
		-pid "$target=$PID_target" -pid "$sinkname=$PID_sink" \
		-tag "workload=$w" -tag "target=$target" -tag "run=$run" >>"$OUT/results.jsonl" 2>"$RUN_DIR/loadgen.log" ||
		! kill -0 "$PID_target" 2>/dev/null; then
		log "FAILED: $w against $target (run $run); logs in $RUN_DIR:"
		tail -n 20 "$RUN_DIR"/*.log >&2 || true
		KEEP=1
		exit 1
	fi
	stop_all
	log "$w: $target, run $run done"
	mkdir -p "$OUT/logs"
	for f in "$RUN_DIR"/*.log; do cp "$f" "$OUT/logs/$w-$target-$run-$(basename "$f")"; done
}

: >"$OUT/results.jsonl"
for w in $WORKLOADS; do
	line="$(printf '%s\n' "$WORKLOAD_TABLE" | grep "^$w|")"
	peer="$(echo "$line" | cut -d'|' -f2)"
	read -r -a flags <<<"$(echo "$line" | cut -d'|' -f3)"
	for run in $(seq "$RUNS"); do
		# Alternate which target goes first, so a drift in the machine's
		# load does not always favour the same one.
		targets=(bridge)
		if [ "${SKIP_PEER:-}" != "1" ]; then targets=("$peer" "${targets[@]}"); fi
		if [ -n "${BASELINE:-}" ]; then targets+=(baseline); fi
		order=""
		for ((i = 0; i < ${#targets[@]}; i++)); do
			if [ $((run % 2)) -eq 1 ]; then
				order="$order ${targets[$i]}"
			else
				order="$order ${targets[${#targets[@]} - 1 - i]}"
			fi
		done
		for target in $order; do
			one_run "$w" "$peer" "$target" "$run" "${flags[@]}"
		done
	done
done

"$LOADGEN" summarize "$OUT/results.jsonl" | tee "$OUT/summary.md"
log "results: $OUT/results.jsonl, summary: $OUT/summary.md, machine: $OUT/machine.txt"

// Package bench holds the side-by-side load comparison of the bridge with
// vmagent and the OpenTelemetry Collector (compare.sh, driven by
// cmd/loadgen) and its CI smoke test. See README.md in this folder.
package bench

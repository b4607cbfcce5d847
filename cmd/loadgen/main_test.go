package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/greptime-bridge/greptime-bridge/cmd/loadgen/internal/load"
)

func TestSummarize(t *testing.T) {
	var lines bytes.Buffer
	enc := json.NewEncoder(&lines)
	add := func(workload, target string, itemsPerS, cpu, rss, p99 float64) {
		_ = enc.Encode(&load.Result{
			Tags: map[string]string{"workload": workload, "target": target}, ItemsPerSecond: itemsPerS, Items: int64(itemsPerS),
			Requests: 10, AcceptedRequests: 9, LatencyMs: load.Latency{P99: p99},
			Procs: []load.ProcResult{{Name: target, CPUMicrosPerItem: cpu, PeakRSSMiB: rss}},
		})
	}
	for _, v := range []float64{1, 3, 2} {
		add("w", "vmagent", 1000*v, v, 100, 10)
		add("w", "bridge", 500*v, 2*v, 50, 40)
	}
	// A target that accepted nothing has no CPU per item, not zero.
	add("z", "otelcol", 1000, 3, 100, 10)
	add("z", "bridge", 0, 0, 100, 10)
	path := filepath.Join(t.TempDir(), "r.jsonl")
	if err := os.WriteFile(path, lines.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := summarize([]string{path}, &out); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"| w | vmagent | 3 | 2000 [1000–3000] | 2.00 [1.00–3.00] | 100 [100–100] | 10.0 [10.0–10.0] | 0.00 [0.00–0.00] | 3 |",
		"| w | bridge | 3 | 1000 [500–1500] | 4.00 [2.00–6.00] | 50 [50–50] | 40.0 [40.0–40.0] |",
		"| w | bridge / vmagent | 0.50× | 2.00× | 0.50× | 4.00× |",
		"| z | bridge | 1 | 0 [0–0] | n/a | 100 [100–100] | 10.0 [10.0–10.0] | n/a | 1 |",
		"| z | bridge / otelcol | 0.00× | n/a | 1.00× | 1.00× |",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("summary lacks %q:\n%s", want, out.String())
		}
	}
	if err := summarize([]string{filepath.Join(t.TempDir(), "none")}, &out); err == nil {
		t.Error("missing file: no error")
	}
}

func TestPortsAndWait(t *testing.T) {
	var out, errs bytes.Buffer
	if code := dispatch(context.Background(), []string{"ports", "3"}, &out, &errs); code != 0 {
		t.Fatalf("ports: exit %d: %s", code, errs.String())
	}
	ps := strings.Fields(out.String())
	if len(ps) != 3 {
		t.Fatalf("ports printed %q", out.String())
	}
	l, err := net.Listen("tcp", "127.0.0.1:"+ps[0])
	if err != nil {
		t.Fatalf("port %s not free: %v", ps[0], err)
	}
	defer l.Close()
	if code := dispatch(context.Background(), []string{"wait", l.Addr().String()}, &out, &errs); code != 0 {
		t.Errorf("wait on a listening port: exit %d: %s", code, errs.String())
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if code := dispatch(ctx, []string{"wait", "127.0.0.1:" + strconv.Itoa(1)}, &out, &errs); code == 0 {
		t.Error("wait on a closed port with a cancelled context succeeded")
	}
	// A watched process that has exited fails the wait at once.
	dead := exec.Command("true")
	if err := dead.Run(); err != nil {
		t.Fatal(err)
	}
	if code := dispatch(context.Background(), []string{"wait", "pid=" + strconv.Itoa(dead.Process.Pid), "127.0.0.1:1"}, &out, &errs); code == 0 {
		t.Error("wait with an exited process succeeded")
	}
	if code := dispatch(context.Background(), []string{"wait", "pid=" + strconv.Itoa(os.Getpid()), l.Addr().String()}, &out, &errs); code != 0 {
		t.Errorf("wait with a live process: exit %d: %s", code, errs.String())
	}
	if code := dispatch(context.Background(), []string{"frobnicate"}, &out, &errs); code == 0 {
		t.Error("unknown command: exit 0")
	}
	if code := dispatch(context.Background(), []string{"run", "-proto", "rw1"}, &out, &errs); code == 0 {
		t.Error("run without -target: exit 0")
	}
}

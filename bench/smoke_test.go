package bench

import (
	"bufio"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// smokeResult is the part of `loadgen run -json` the smoke test reads.
type smokeResult struct {
	Tags   map[string]string `json:"tags"`
	Items  int64             `json:"accepted_items"`
	Status map[string]int64  `json:"status"`
	Errors int64             `json:"errors"`
	Procs  []struct {
		Name       string  `json:"name"`
		CPUSeconds float64 `json:"cpu_s"`
		PeakRSSMiB float64 `json:"peak_rss_mib"`
	} `json:"procs"`
}

// compare runs compare.sh with extra environment and returns its output.
func compare(ctx context.Context, env ...string) (string, error) {
	cmd := exec.CommandContext(ctx, "bash", "compare.sh")
	cmd.Env = append(os.Environ(), env...)
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// TestCompareSmoke runs compare.sh's short form (SMOKE=1: one small remote
// write and one OTLP workload, a 2 s window each, against vmagent, the
// Collector and the bridge) and checks that every run produced figures:
// items accepted, only 2xx/OK answers, the target's CPU and peak RSS read.
// It never checks how fast anything was. Like test/e2e, a missing peer
// fails the test under CI=true and skips it otherwise.
func TestCompareSmoke(t *testing.T) {
	// A bound on a hung peer, not a timing check.
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	if out, err := compare(ctx, "PEERS_ONLY=1"); err != nil {
		msg := "peers for the comparison not found (run .ci/install): " + strings.TrimSpace(out)
		if os.Getenv("CI") == "true" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	dir := t.TempDir()
	out, err := compare(ctx, "SMOKE=1", "OUT="+dir)
	if err != nil {
		t.Fatalf("compare.sh SMOKE=1: %v\n%s", err, out)
	}
	f, err := os.Open(filepath.Join(dir, "results.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	runs := map[string]bool{}
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		var r smokeResult
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			t.Fatalf("result line %q: %v", sc.Text(), err)
		}
		name := r.Tags["workload"] + "/" + r.Tags["target"]
		runs[name] = true
		if r.Items <= 0 {
			t.Errorf("%s: no items accepted", name)
		}
		for code, n := range r.Status {
			if code != "OK" && !strings.HasPrefix(code, "2") {
				t.Errorf("%s: %d answers %s", name, n, code)
			}
		}
		if r.Errors != 0 {
			t.Errorf("%s: %d requests without an answer", name, r.Errors)
		}
		if len(r.Procs) < 2 || r.Procs[0].Name != r.Tags["target"] {
			t.Fatalf("%s: processes measured %+v, want the target then its sink", name, r.Procs)
		}
		// The target did work in the window, so its CPU (10 ms ticks) is
		// above zero; the sink may have done less than a tick.
		if r.Procs[0].CPUSeconds <= 0 {
			t.Errorf("%s: target CPU %v s", name, r.Procs[0].CPUSeconds)
		}
		for _, p := range r.Procs {
			if p.CPUSeconds < 0 || p.PeakRSSMiB <= 0 {
				t.Errorf("%s: process %s has CPU %v s and peak RSS %v MiB", name, p.Name, p.CPUSeconds, p.PeakRSSMiB)
			}
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"smoke-rw/vmagent", "smoke-rw/bridge", "smoke-otlp/otelcol", "smoke-otlp/bridge"} {
		if !runs[want] {
			t.Errorf("no result for %s (have %v)", want, runs)
		}
	}
	summary, err := os.ReadFile(filepath.Join(dir, "summary.md"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"| smoke-rw | bridge |", "| smoke-otlp | bridge / otelcol |"} {
		if !strings.Contains(string(summary), want) {
			t.Errorf("summary lacks %q:\n%s", want, summary)
		}
	}
	if t.Failed() {
		t.Logf("compare.sh output:\n%s", out)
	}
}

package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/greptime-bridge/greptime-bridge/writer/greptimetest"
)

// loadResult is the part of cmd/loadgen's JSON result the test reads.
type loadResult struct {
	ItemsPerSecond float64          `json:"items_per_s"`
	Status         map[string]int64 `json:"status"`
	Errors         int64            `json:"errors"`
	Procs          []struct {
		PeakRSSMiB float64 `json:"peak_rss_mib"`
	} `json:"procs"`
}

// runLoadgen runs cmd/loadgen against the bridge p and returns its result.
func runLoadgen(t *testing.T, bin string, p *bridgeProc, senders int, warmup, window time.Duration) loadResult {
	t.Helper()
	cmd := exec.Command(bin, "run", "-proto", "rw1", "-target", "http://"+p.addr+"/api/v1/write",
		"-senders", fmt.Sprint(senders), "-warmup", warmup.String(), "-duration", window.String(),
		"-pid", fmt.Sprintf("bridge=%d", p.pid), "-json")
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		t.Fatalf("loadgen: %v\n%s", err, errb.String())
	}
	var r loadResult
	if err := json.Unmarshal(out.Bytes(), &r); err != nil || len(r.Procs) == 0 {
		t.Fatalf("loadgen result %q: %v", out.String(), err)
	}
	return r
}

// TestOverloadHoldsMemoryAndThroughput is fault test 5 of issue #11:
// senders far faster than GreptimeDB. The test server answers each call
// after 1.5 s, longer than a request waits for memory budget (1 s), and a
// request of 2,000 samples reserves about a sixth of the 64 MiB budget
// before translation, so 96 closed-loop senders cannot all be held:
// overload is certain whatever the machine's speed. Measured with
// cmd/loadgen, which reads the bridge's VmHWM:
//   - peak RSS stays within the budget plus a stated slack of 160 MiB (the
//     runtime's soft memory limit lets the heap reach twice a budget this
//     small, memlimit.go; beside it sit a baseline of about 30 MiB, the writer's
//     pooled encoders and gRPC buffers, goroutine stacks of 96
//     connections);
//   - what does not fit is answered 503 with Retry-After, nothing else,
//     and every request gets an answer;
//   - writes go on under overload (204s during it).
//
// The rows per second with and without overload are logged, not asserted:
// on a shared machine they measure its load as much as the bridge (a unit
// test asserts no timings; bench/compare.sh and cmd/loadgen carry figures).
func TestOverloadHoldsMemoryAndThroughput(t *testing.T) {
	if testing.Short() {
		t.Skip("starts the bridge binary and the load tool")
	}
	const budget, slack = 64 << 20, 160 << 20
	loadgen := filepath.Join(t.TempDir(), "loadgen")
	if out, err := exec.Command("go", "build", "-o", loadgen, "../loadgen").CombinedOutput(); err != nil {
		t.Fatalf("build loadgen: %v\n%s", err, out)
	}
	srv := greptimetest.StartT(t, greptimetest.Options{CountOnly: true})
	srv.SetLatency(1500 * time.Millisecond)
	p := startBridgeProc(t, srv.Addr(),
		fmt.Sprint("GREPTIME_BRIDGE_LIMITS_MEMORY_BUDGET_BYTES=", budget),
		fmt.Sprint("GREPTIME_BRIDGE_LIMITS_MAX_DECOMPRESSED_BYTES=", 32<<20),
		"GREPTIME_BRIDGE_LIMITS_RETRY_AFTER=1s")

	base := runLoadgen(t, loadgen, p, 4, 2*time.Second, 6*time.Second)
	over := runLoadgen(t, loadgen, p, 96, 2*time.Second, 10*time.Second)
	rss := over.Procs[0].PeakRSSMiB
	t.Logf("4 senders: %.0f samples/s, answers %v; 96 senders: %.0f samples/s, answers %v, %d without answer; bridge peak RSS %.1f MiB",
		base.ItemsPerSecond, base.Status, over.ItemsPerSecond, over.Status, over.Errors, rss)
	if over.Status["503"] == 0 {
		t.Errorf("no 503 under overload: %v", over.Status)
	}
	checkLoadHeld(t, over, "204", "503", rss, budget, slack)
}

// checkLoadHeld holds a load run to what the memory budget promises:
// something written (answered ok), everything else refused as busy, every
// request answered, and the bridge's peak RSS (MiB) within the budget plus
// slack.
func checkLoadHeld(t *testing.T, r loadResult, ok, busy string, rss float64, budget, slack int64) {
	t.Helper()
	if r.Status[ok] == 0 {
		t.Errorf("nothing written: %v", r.Status)
	}
	for code, n := range r.Status {
		if code != ok && code != busy {
			t.Errorf("%d answers %s", n, code)
		}
	}
	if r.Errors > 0 {
		t.Errorf("%d requests got no answer", r.Errors)
	}
	if rss > float64(budget+slack)/(1<<20) {
		t.Errorf("bridge peak RSS %.1f MiB, over the %d MiB budget plus %d MiB slack", rss, budget>>20, slack>>20)
	}
}

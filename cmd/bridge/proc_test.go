package main

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// bridgeProc is the real bridge binary, started for one test.
type bridgeProc struct {
	addr string // HTTP listener, 127.0.0.1:port
	grpc string // gRPC listener when one is configured
	pid  int
}

// bridgeEnv is the environment startBridgeProc gives the bridge: the
// test's, less GOMEMLIMIT and GOGC, which would replace the memory limit
// the bridge derives from its budget and the collector's pacing, so a
// developer's shell would change what the memory tests measure; then the
// bridge's defaults for tests and env. A test that wants GOMEMLIMIT or
// GOGC passes them in env.
func bridgeEnv(db string, env ...string) []string {
	var out []string
	for _, kv := range os.Environ() {
		if strings.HasPrefix(kv, "GOMEMLIMIT=") || strings.HasPrefix(kv, "GOGC=") {
			continue
		}
		out = append(out, kv)
	}
	out = append(out, "GREPTIME_BRIDGE_GREPTIMEDB_ENDPOINTS="+db,
		"GREPTIME_BRIDGE_LISTEN_HTTP=127.0.0.1:0", "GREPTIME_BRIDGE_LISTEN_GRPC=")
	return append(out, env...)
}

// startBridge builds the bridge, starts it against a GreptimeDB at db with
// env (GREPTIME_BRIDGE_… settings) on top of the defaults, waits for its
// HTTP address and stops it when the test ends.
func startBridgeProc(t *testing.T, db string, env ...string) *bridgeProc {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "bridge")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, bin)
	cmd.Env = bridgeEnv(db, env...)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cancel()
		_ = cmd.Wait()
	})
	sc := bufio.NewScanner(stderr)
	re := regexp.MustCompile(`http=(127\.0\.0\.1:\d+)`)
	grpcRe := regexp.MustCompile(`grpc=(127\.0\.0\.1:\d+)`)
	p := &bridgeProc{pid: cmd.Process.Pid}
	for sc.Scan() {
		if m := re.FindStringSubmatch(sc.Text()); m != nil {
			p.addr = m[1]
			if g := grpcRe.FindStringSubmatch(sc.Text()); g != nil {
				p.grpc = g[1]
			}
			break
		}
	}
	if p.addr == "" {
		t.Fatal("bridge did not report its address")
	}
	go func() {
		for sc.Scan() {
		}
	}()
	return p
}

// peakRSS returns the process's VmHWM (peak resident set size) in bytes.
func peakRSS(t *testing.T, pid int) int64 {
	t.Helper()
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			if err != nil {
				t.Fatalf("VmHWM %q", v)
			}
			return kb << 10
		}
	}
	t.Fatal("no VmHWM in /proc status")
	return 0
}

// procCPU returns a process's user plus system CPU time from
// /proc/<pid>/stat (fields 14 and 15, in clock ticks of 1/100 s, USER_HZ
// on every Linux ABI Go supports), or 0 where /proc cannot tell.
func procCPU(pid int) time.Duration {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	// The command name (field 2) is in parentheses and may hold spaces.
	i := strings.LastIndexByte(string(b), ')')
	if i < 0 {
		return 0
	}
	f := strings.Fields(string(b[i+1:])) // field 3 onwards
	if len(f) < 13 {
		return 0
	}
	utime, err1 := strconv.ParseInt(f[11], 10, 64)
	stime, err2 := strconv.ParseInt(f[12], 10, 64)
	if err1 != nil || err2 != nil {
		return 0
	}
	return time.Duration(utime+stime) * 10 * time.Millisecond
}

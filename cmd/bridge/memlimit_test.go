package main

import (
	"bytes"
	"io"
	"log/slog"
	"math"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// TestMemoryLimitFromBudget: without GOMEMLIMIT the soft memory limit is
// the budget plus the budget again, at most 256 MiB more, so a large
// budget no longer lets garbage take RSS to twice it (the default 512 MiB
// budget gave a 1 GiB limit, and the otlp-histogram load reached
// 1,011 MiB); with GOMEMLIMIT the operator's limit stands.
func TestMemoryLimitFromBudget(t *testing.T) {
	old := debug.SetMemoryLimit(-1)
	t.Cleanup(func() { debug.SetMemoryLimit(old) })
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	for _, c := range []struct{ budget, want int64 }{
		{64 << 20, 128 << 20},
		{256 << 20, 512 << 20},
		{512 << 20, 768 << 20},
		{4 << 30, 4<<30 + 256<<20},
	} {
		t.Setenv("GOMEMLIMIT", "")
		if got := setMemoryLimit(c.budget, log); got != c.want {
			t.Errorf("budget %d MiB: limit %d MiB, want %d MiB", c.budget>>20, got>>20, c.want>>20)
		}
		if got := debug.SetMemoryLimit(-1); got != c.want {
			t.Errorf("budget %d MiB: runtime limit %d MiB, want %d MiB", c.budget>>20, got>>20, c.want>>20)
		}
	}
	// GOMEMLIMIT is read by the runtime at start; the bridge reports the
	// limit in force and leaves it alone.
	debug.SetMemoryLimit(900 << 20)
	t.Setenv("GOMEMLIMIT", "900MiB")
	if got := setMemoryLimit(512<<20, log); got != 900<<20 {
		t.Errorf("with GOMEMLIMIT: limit %d MiB, want 900 MiB", got>>20)
	}
}

// TestMemoryLimitFloorAndSaturation: a tiny budget still gets a limit
// above the idle process's heap (a 1 MiB budget gave 2 MiB, and the
// collector ran continuously), and a budget near math.MaxInt64 does not
// wrap the sum to a negative limit.
func TestMemoryLimitFloorAndSaturation(t *testing.T) {
	for _, c := range []struct{ budget, want int64 }{
		{0, minMemoryLimit},
		{1 << 20, minMemoryLimit},
		{minMemoryLimit / 2, minMemoryLimit},
		{minMemoryLimit/2 + 1, minMemoryLimit + 2},
		{math.MaxInt64 - maxMemoryLimitSlack, math.MaxInt64},
		{math.MaxInt64 - maxMemoryLimitSlack + 1, math.MaxInt64},
		{math.MaxInt64, math.MaxInt64},
		{math.MaxInt64 - maxMemoryLimitSlack - 1, math.MaxInt64 - 1},
	} {
		if got := memoryLimit(c.budget); got != c.want {
			t.Errorf("memoryLimit(%d) = %d, want %d", c.budget, got, c.want)
		}
	}
}

// TestBridgeEnvDropsGCSettings: the bridges the tests start
// (startBridgeProc) do not inherit GOMEMLIMIT or GOGC from the developer's
// environment, keep the rest of it, and take them from the test's own env.
func TestBridgeEnvDropsGCSettings(t *testing.T) {
	t.Setenv("GOMEMLIMIT", "16MiB")
	t.Setenv("GOGC", "off")
	t.Setenv("GREPTIME_BRIDGE_TEST_KEEP", "1")
	env := bridgeEnv("127.0.0.1:4001", "GOGC=50")
	if !slices.Contains(env, "GREPTIME_BRIDGE_TEST_KEEP=1") || !slices.Contains(env, "GOGC=50") {
		t.Errorf("the rest of the environment or the test's own was dropped: %q", env)
	}
	for _, kv := range env {
		if kv == "GOMEMLIMIT=16MiB" || kv == "GOGC=off" {
			t.Errorf("a started bridge inherits %s", kv)
		}
	}
}

// TestGOMEMLIMITBelowBudgetWarns: an operator's GOMEMLIMIT stands, but
// one below the budget is logged as a warning (the collector would run
// continuously with the budget full); one above it is not.
func TestGOMEMLIMITBelowBudgetWarns(t *testing.T) {
	old := debug.SetMemoryLimit(-1)
	t.Cleanup(func() { debug.SetMemoryLimit(old) })
	for _, c := range []struct {
		limit int64
		warn  bool
	}{{256 << 20, true}, {512<<20 - 1, true}, {512 << 20, false}, {900 << 20, false}} {
		var out bytes.Buffer
		log := slog.New(slog.NewTextHandler(&out, nil))
		debug.SetMemoryLimit(c.limit)
		t.Setenv("GOMEMLIMIT", strconv.FormatInt(c.limit, 10))
		if got := setMemoryLimit(512<<20, log); got != c.limit {
			t.Errorf("GOMEMLIMIT %d: limit %d, want it to stand", c.limit, got)
		}
		if warned := strings.Contains(out.String(), "level=WARN"); warned != c.warn {
			t.Errorf("GOMEMLIMIT %d MiB with a 512 MiB budget: warned %v, want %v:\n%s", c.limit>>20, warned, c.warn, out.String())
		}
	}
}

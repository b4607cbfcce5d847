package main

import (
	"log/slog"
	"math"
	"os"
	"runtime/debug"
)

// maxMemoryLimitSlack caps what the soft memory limit allows above the
// request memory budget when GOMEMLIMIT is not set; below it the slack is
// the budget again. The budget bounds the data requests hold; beside it the
// heap holds a baseline of about 30 MiB, the writer's idle row encoders
// (at most eight per client with bodies of up to 4 MiB, two of them up to
// 64 MiB: writer maxIdleEncoders, maxPooledBody, maxLargeBody), buffers
// pooled between requests (sync.Pools the collector empties once no
// request needs them), gRPC's transport buffers, pooled batches, and
// garbage not yet collected. Those do not grow with the budget (they
// follow the load, the streams and the connections), so
// past 256 MiB of budget, twice the budget (the limit before) only let
// garbage pile up: 32 OTLP senders of 1,000-point histograms
// (bench/compare.sh otlp-histogram, default 512 MiB budget) took the
// process to 931–1,011 MiB RSS with at most 582–615 MiB live after a
// collection; with the limit at 768 MiB, 754 MiB RSS and 520 MiB live,
// CPU per point within the run-to-run noise (17–29 µs, load average
// 12–16). 640 MiB held 646–665 MiB RSS but left little room above the
// live heap of a full budget, where the collector would run continuously.
const maxMemoryLimitSlack = 256 << 20

// minMemoryLimit is the least soft memory limit derived from a budget.
// An idle bridge's heap holds about 30 MiB (the baseline above), and the
// collector runs whenever the heap reaches the limit: a limit at or below
// the baseline, as a budget of a few MiB would give, makes it run
// continuously. 64 MiB lets the baseline double before a collection, as the
// default GOGC of 100 would.
const minMemoryLimit = 64 << 20

// memoryLimit is the soft memory limit for a budget of budget bytes: the
// budget plus the budget again, at most maxMemoryLimitSlack more, and at
// least minMemoryLimit. The sum saturates at math.MaxInt64 (no limit)
// rather than wrap to a negative limit, which SetMemoryLimit would take as
// "leave the limit alone".
func memoryLimit(budget int64) int64 {
	slack := min(budget, maxMemoryLimitSlack)
	if budget > math.MaxInt64-slack {
		return math.MaxInt64
	}
	return max(budget+slack, minMemoryLimit)
}

// setMemoryLimit applies the soft memory limit derived from the budget,
// unless the operator set GOMEMLIMIT (a container's limit, say), and
// returns the limit in force. The limit makes the collector run harder as
// the heap nears it instead of letting it reach twice the live data (the
// default GOGC): without one, the histogram load above reached 2.9 GiB RSS
// with 326 MiB of budget in use.
//
// A GOMEMLIMIT below the budget is taken but warned about: requests may
// hold the whole budget live, and with the heap past the limit the
// collector runs continuously (the runtime caps it at about half the CPU)
// while the budget still lets requests in.
func setMemoryLimit(budget int64, log *slog.Logger) int64 {
	if v, ok := os.LookupEnv("GOMEMLIMIT"); ok && v != "" {
		limit := debug.SetMemoryLimit(-1)
		log.Info("memory limit from GOMEMLIMIT", "bytes", limit)
		if limit < budget {
			log.Warn("GOMEMLIMIT is below the memory budget: once requests hold the budget the garbage collector runs continuously; "+
				"raise GOMEMLIMIT above limits.memory_budget_bytes, or unset it and the bridge derives the limit from the budget",
				"gomemlimit_bytes", limit, "budget_bytes", budget, "derived_bytes", memoryLimit(budget))
		}
		return limit
	}
	limit := memoryLimit(budget)
	debug.SetMemoryLimit(limit)
	log.Info("memory limit derived from the memory budget", "bytes", limit, "budget_bytes", budget)
	return limit
}

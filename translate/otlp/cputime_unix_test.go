//go:build unix

package otlp

import (
	"syscall"
	"time"
)

// processCPU returns the process's user+system CPU time, so benchmarks can
// report CPU per item, which other processes on a shared machine inflate
// far less than wall time.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

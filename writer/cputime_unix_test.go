//go:build unix

package writer

import (
	"syscall"
	"time"
)

// processCPU is the CPU time (user and system) the test process has used,
// every thread included: on a machine shared with other jobs, CPU time per
// operation is a steadier figure than wall time.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

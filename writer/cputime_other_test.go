//go:build !unix

package writer

import "time"

// processCPU is unavailable here; benchmarks then report 0 cpu-ns.
func processCPU() time.Duration { return 0 }

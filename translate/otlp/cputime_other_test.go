//go:build !unix

package otlp

import "time"

// processCPU is unavailable here; benchmarks then report 0 CPU per item.
func processCPU() time.Duration { return 0 }

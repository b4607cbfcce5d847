package main

import (
	"strings"
	"testing"
	"time"

	"github.com/greptime-bridge/greptime-bridge/config"
	"github.com/greptime-bridge/greptime-bridge/pipeline"
)

// TestMaxRequestWithinLargest: config.Validate takes the largest
// limits.max_request_bytes the budget admits (pipeline.Budget.Largest) and
// refuses one byte more, so the two rules stay one.
func TestMaxRequestWithinLargest(t *testing.T) {
	for _, limit := range []int64{64 << 20, 512 << 20, 1000003} {
		largest := pipeline.NewBudget(limit, time.Second).Largest()
		for _, n := range []int64{largest, largest + 1} {
			c := config.Default()
			c.Limits.MemoryBudgetBytes = limit
			c.Limits.MaxRequestBytes, c.Limits.MaxDecompressedBytes = n, n
			err := c.Validate()
			refused := err != nil && strings.Contains(err.Error(), "limits.max_request_bytes")
			if refused != (n > largest) {
				t.Errorf("budget %d, max_request_bytes %d (largest %d): %v", limit, n, largest, err)
			}
		}
	}
}

package prom

import (
	"testing"

	"go.uber.org/goleak"
)

// The pooled zstd decoders run synchronously (concurrency 1); goleak
// proves no decoder goroutine outlives a test.
func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

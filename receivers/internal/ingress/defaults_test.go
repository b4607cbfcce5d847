package ingress

import (
	"testing"

	"github.com/greptime-bridge/greptime-bridge/config"
)

// TestDefaultsMatchConfig: a receiver built without a limit uses the
// bridge's default for it, so the two cannot drift apart (they once
// disagreed: 32 MiB in the configuration, 64 MiB in the OTLP receiver).
func TestDefaultsMatchConfig(t *testing.T) {
	l := config.Default().Limits
	if l.MaxRequestBytes != DefaultMaxRequestBytes || l.MaxDecompressedBytes != DefaultMaxDecompressedBytes ||
		l.RetryAfter != DefaultRetryAfter || l.MaxInflightRequests != DefaultMaxInflight {
		t.Errorf("config.Default().Limits %+v disagrees with the receivers' defaults", l)
	}
}

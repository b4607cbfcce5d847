package load

import (
	"testing"

	"go.uber.org/goleak"
)

// Run starts a goroutine per sender; none may outlive it.
func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

package e2e

import (
	"strings"
	"testing"
)

// TestShellGoRuntimeSettingsNotInherited: GOMEMLIMIT in the environment
// the tests run in does not reach the bridges they start (it would replace
// the memory limit the bridge derives from its budget, so a developer's
// shell would change what memory tests measure); passed to the bridge
// explicitly, it does.
func TestShellGoRuntimeSettingsNotInherited(t *testing.T) {
	t.Setenv("GOMEMLIMIT", "900MiB")
	t.Setenv("GOGC", "off")
	const derived, fromEnv = "memory limit derived from the memory budget", "memory limit from GOMEMLIMIT"

	b := startBridge(t)
	if s := b.stderr.String(); !strings.Contains(s, derived) || strings.Contains(s, fromEnv) {
		t.Errorf("the shell's GOMEMLIMIT reached the bridge; stderr:\n%s", tail(s, 2000))
	}
	b.stop(t)

	b = startBridge(t, "GOMEMLIMIT=900MiB")
	if s := b.stderr.String(); !strings.Contains(s, fromEnv) {
		t.Errorf("GOMEMLIMIT passed to the bridge was not applied; stderr:\n%s", tail(s, 2000))
	}
}

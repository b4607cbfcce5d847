package e2e

import (
	"errors"
	"os/exec"
	"strings"
	"testing"
)

// runBridge runs the binary to completion and returns its combined output
// and exit code.
func runBridge(t *testing.T, args ...string) (string, int) {
	t.Helper()
	out, err := exec.Command(bridgeBin, args...).CombinedOutput()
	var ee *exec.ExitError
	switch {
	case err == nil:
		return string(out), 0
	case errors.As(err, &ee):
		return string(out), ee.ExitCode()
	}
	t.Fatalf("bridge %v: %v", args, err)
	return "", 0
}

func TestCommandLine(t *testing.T) {
	if out, code := runBridge(t, "-version"); code != 0 || !strings.HasPrefix(out, "greptime-bridge ") {
		t.Errorf("-version: exit %d, output %q", code, out)
	}
	if out, code := runBridge(t, "-check-config", "-config", "testdata/bridge.yaml"); code != 0 {
		t.Errorf("-check-config of a valid file: exit %d: %s", code, out)
	}
	out, code := runBridge(t, "-check-config", "-config", "testdata/bad.yaml")
	if code == 0 {
		t.Errorf("-check-config of testdata/bad.yaml exited 0: %s", out)
	}
	// Every problem is listed at once, each naming its field.
	for _, field := range []string{"pipeline.flush_interval", "pipeline.mode", "pipeline.bulk_threshold_rows"} {
		if !strings.Contains(out, field) {
			t.Errorf("-check-config output does not name %s: %s", field, out)
		}
	}
	if out, code := runBridge(t, "-config", "testdata/missing.yaml", "-check-config"); code == 0 || !strings.Contains(out, "missing.yaml") {
		t.Errorf("a missing config file: exit %d, output %q", code, out)
	}
}

package e2e

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"testing"
)

// bridgeBin is the bridge binary built once for the whole package.
var bridgeBin string

func TestMain(m *testing.M) {
	os.Exit(runMain(m))
}

func runMain(m *testing.M) int {
	dir, err := os.MkdirTemp("", "bridge-e2e-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e:", err)
		return 1
	}
	defer os.RemoveAll(dir)
	bridgeBin = filepath.Join(dir, "bridge")
	if runtime.GOOS == "windows" {
		bridgeBin += ".exe"
	}
	// The module root is two levels up from test/e2e.
	cmd := exec.Command("go", "build", "-o", bridgeBin, "./cmd/bridge")
	cmd.Dir = filepath.Join("..", "..")
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "e2e: cannot build the bridge:", err)
		return 1
	}
	return m.Run()
}

package deploy_test

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// bridgeBin is the bridge binary, built once for the package.
var bridgeBin string

func TestMain(m *testing.M) {
	os.Exit(runMain(m))
}

func runMain(m *testing.M) int {
	dir, err := os.MkdirTemp("", "bridge-deploy-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "deploy:", err)
		return 1
	}
	defer os.RemoveAll(dir)
	bridgeBin = filepath.Join(dir, "bridge")
	cmd := exec.Command("go", "build", "-o", bridgeBin, "./cmd/bridge")
	cmd.Dir = ".."
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "deploy: cannot build the bridge:", err)
		return 1
	}
	return m.Run()
}

// tool finds a program the checks need (helm, promtool, the ocb-built
// Collector): the env variable (a path), PATH, then the directories
// .ci/install puts tools in. Missing, it fails the test under CI=true (CI
// installed it) and skips it otherwise, saying how to get it.
func tool(t *testing.T, name, envVar string, dirs ...string) string {
	t.Helper()
	if p := os.Getenv(envVar); p != "" {
		if _, err := os.Stat(p); err != nil {
			t.Fatalf("%s=%s: %v", envVar, p, err)
		}
		return p
	}
	if p, err := exec.LookPath(name); err == nil {
		return p
	}
	if gb, err := exec.Command("go", "env", "GOBIN").Output(); err == nil && strings.TrimSpace(string(gb)) != "" {
		dirs = append(dirs, strings.TrimSpace(string(gb)))
	}
	if gp, err := exec.Command("go", "env", "GOPATH").Output(); err == nil {
		for _, d := range filepath.SplitList(strings.TrimSpace(string(gp))) {
			dirs = append(dirs, filepath.Join(d, "bin"))
		}
	}
	for _, d := range dirs {
		p := filepath.Join(d, name)
		if st, err := os.Stat(p); err == nil && !st.IsDir() {
			return p
		}
	}
	msg := name + " not found (set " + envVar + ", or run .ci/install)"
	if os.Getenv("CI") == "true" {
		t.Fatal(msg)
	}
	t.Skip(msg)
	return ""
}

// e2eCache is where .ci/install builds peers.
func e2eCache() string {
	if c := os.Getenv("E2E_CACHE"); c != "" {
		return c
	}
	home, _ := os.UserHomeDir()
	return filepath.Join(home, ".cache", "greptime-bridge-e2e")
}

package e2e

import (
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// peer finds a peer program: first the env variable (a path), then PATH,
// then $(go env GOBIN), $(go env GOPATH)/bin and the ocb output directory
// .ci/install uses.
// Missing, it fails the test under CI=true (CI installed it, so its absence
// is a bug) and skips it otherwise.
func peer(t *testing.T, name, envVar string) string {
	t.Helper()
	if p := os.Getenv(envVar); p != "" {
		if _, err := os.Stat(p); err == nil {
			return p
		}
		t.Fatalf("%s=%s: no such file", envVar, p)
	}
	if p, err := exec.LookPath(name); err == nil {
		return p
	}
	var dirs []string
	if gb, err := exec.Command("go", "env", "GOBIN").Output(); err == nil && strings.TrimSpace(string(gb)) != "" {
		dirs = append(dirs, strings.TrimSpace(string(gb)))
	}
	if gp, err := exec.Command("go", "env", "GOPATH").Output(); err == nil {
		for _, d := range filepath.SplitList(strings.TrimSpace(string(gp))) {
			dirs = append(dirs, filepath.Join(d, "bin"))
		}
	}
	if cache := peerCache(); cache != "" {
		dirs = append(dirs, filepath.Join(cache, "otelcol"))
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

// freeAddr reserves a loopback port for a peer that needs its listen
// address on the command line. The port is released before the peer binds
// it; a clash with another process is possible but rare on 127.0.0.1.
func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return addr
}

// peerCache is where .ci/install builds peers: $E2E_CACHE, or
// $HOME/.cache/greptime-bridge-e2e.
func peerCache() string {
	if c := os.Getenv("E2E_CACHE"); c != "" {
		return c
	}
	if home, err := os.UserHomeDir(); err == nil {
		return filepath.Join(home, ".cache", "greptime-bridge-e2e")
	}
	return ""
}

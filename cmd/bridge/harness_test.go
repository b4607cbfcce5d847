package main

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"sync"
	"testing"
	"time"
)

// startedRe finds the listeners' addresses in the start-up log line.
var startedRe = regexp.MustCompile(`msg="bridge started" http=(127\.0\.0\.1:\d+) grpc=(127\.0\.0\.1:\d+)`)

// logWatch is the bridge's stderr: it keeps everything written and signals
// once the start-up line has been written.
type logWatch struct {
	syncBuffer
	once    sync.Once
	started chan struct{}
	addrs   []string
}

func (w *logWatch) Write(p []byte) (int, error) {
	n, err := w.syncBuffer.Write(p)
	if m := startedRe.FindStringSubmatch(w.String()); m != nil {
		w.once.Do(func() {
			w.addrs = m[1:]
			close(w.started)
		})
	}
	return n, err
}

// bridge is a bridge run in-process by run, as main runs it.
type bridge struct {
	httpAddr, grpcAddr string
	logs               *logWatch
	stdout             *syncBuffer
	configPath         string
}

// startBridge writes yaml as the configuration file and runs the bridge
// on 127.0.0.1 until the test ends.
func startBridge(t *testing.T, yaml string, env ...string) *bridge {
	t.Helper()
	path := filepath.Join(t.TempDir(), "bridge.yaml")
	if err := os.WriteFile(path, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	env = append([]string{"GREPTIME_BRIDGE_LISTEN_HTTP=127.0.0.1:0", "GREPTIME_BRIDGE_LISTEN_GRPC=127.0.0.1:0"}, env...)
	ctx, cancel := context.WithCancel(context.Background())
	logs := &logWatch{started: make(chan struct{})}
	stdout := &syncBuffer{}
	done := make(chan int, 1)
	go func() { done <- run(ctx, []string{"-config", path}, env, stdout, logs) }()
	t.Cleanup(func() {
		cancel()
		select {
		case code := <-done:
			if code != 0 {
				t.Errorf("bridge exited %d: %s", code, logs.String())
			}
		case <-time.After(30 * time.Second):
			t.Error("bridge did not shut down")
		}
	})
	select {
	case <-logs.started:
	case code := <-done:
		done <- code
		t.Fatalf("bridge exited %d before starting: %s", code, logs.String())
	case <-time.After(20 * time.Second):
		t.Fatalf("bridge did not start: %s", logs.String())
	}
	return &bridge{httpAddr: logs.addrs[0], grpcAddr: logs.addrs[1], logs: logs, stdout: stdout, configPath: path}
}

func writeFile(path, text string) error { return os.WriteFile(path, []byte(text), 0o600) }

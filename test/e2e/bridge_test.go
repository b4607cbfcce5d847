package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/greptime-bridge/greptime-bridge/writer"
)

// bridge is one running bridge process, in -dev mode (the test server
// embedded) or writing to a server the test started.
type bridge struct {
	HTTP, GRPC string // host:port of the listeners
	DB         string // -dev only: host:port of the embedded test server
	cmd        *exec.Cmd
	stderr     *lockedBuffer
	exited     chan error
	stopOnce   sync.Once
}

// lockedBuffer collects a process's output while tests read it.
type lockedBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

var (
	devAddrs  = regexp.MustCompile(`OTLP/HTTP endpoint:\s+http://(\S+)\n\s+OTLP/gRPC endpoint:\s+(\S+)`)
	devServer = regexp.MustCompile(`test server \((\S+)\)`)
)

// startBridge runs the bridge binary with -dev, loopback listeners on
// random ports, and extra environment overrides such as
// GREPTIME_BRIDGE_PIPELINE_FLUSH_INTERVAL=50ms. Cleanup sends SIGTERM and
// fails the test unless the bridge exits 0 within 30 s.
func startBridge(t testing.TB, env ...string) *bridge {
	t.Helper()
	return launchBridge(t, true, env)
}

// startBridgeAgainst runs the bridge binary without -dev, writing to the
// GreptimeDB-compatible server at endpoint.
func startBridgeAgainst(t testing.TB, endpoint string, env ...string) *bridge {
	t.Helper()
	return launchBridge(t, false, append(env, "GREPTIME_BRIDGE_GREPTIMEDB_ENDPOINTS="+endpoint))
}

// started is the bridge's "bridge started" log line (slog text format).
var started = regexp.MustCompile(`msg="bridge started" http=(\S+) grpc=(\S+)`)

func launchBridge(t testing.TB, dev bool, env []string) *bridge {
	t.Helper()
	var args []string
	if dev {
		args = append(args, "-dev")
	}
	cmd := exec.Command(bridgeBin, args...)
	// GOMEMLIMIT and GOGC from the developer's shell would replace the
	// memory limit the bridge derives from its budget and the collector's
	// pacing (as in cmd/bridge's bridgeEnv); a test that wants them passes
	// them in env.
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "GOMEMLIMIT=") && !strings.HasPrefix(kv, "GOGC=") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	cmd.Env = append(cmd.Env, "GREPTIME_BRIDGE_LISTEN_HTTP=127.0.0.1:0", "GREPTIME_BRIDGE_LISTEN_GRPC=127.0.0.1:0")
	cmd.Env = append(cmd.Env, env...)
	stdout := &lockedBuffer{}
	b := &bridge{cmd: cmd, stderr: &lockedBuffer{}}
	cmd.Stdout, cmd.Stderr = stdout, b.stderr
	if err := cmd.Start(); err != nil {
		t.Fatalf("start bridge: %v", err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	// In -dev mode the addresses are printed on stdout; otherwise they
	// are in the "bridge started" log line.
	deadline := time.After(30 * time.Second)
	for b.HTTP == "" {
		if dev {
			if m := devAddrs.FindStringSubmatch(stdout.String()); m != nil {
				b.HTTP, b.GRPC = m[1], m[2]
				if m := devServer.FindStringSubmatch(stdout.String()); m != nil {
					b.DB = m[1]
				}
			}
		} else if m := started.FindStringSubmatch(b.stderr.String()); m != nil {
			b.HTTP, b.GRPC = m[1], m[2]
		}
		if b.HTTP != "" {
			break
		}
		select {
		case err := <-exited:
			t.Fatalf("bridge exited (%v) before printing its addresses; stdout %q stderr:\n%s", err, stdout.String(), b.stderr.String())
		case <-deadline:
			_ = cmd.Process.Kill()
			<-exited
			t.Fatalf("bridge printed no addresses within 30s; stderr:\n%s", b.stderr.String())
		case <-time.After(20 * time.Millisecond):
		}
	}
	if !strings.HasPrefix(b.HTTP, "127.0.0.1:") || !strings.HasPrefix(b.GRPC, "127.0.0.1:") {
		t.Errorf("the bridge listens beyond loopback: http %s grpc %s", b.HTTP, b.GRPC)
	}
	b.exited = exited
	t.Cleanup(func() {
		b.stop(t)
		if t.Failed() {
			t.Logf("bridge stderr:\n%s", tail(b.stderr.String(), 4000))
		}
	})
	return b
}

// stop sends SIGTERM once and fails the test unless the bridge exits 0
// within 30 s; later calls do nothing.
func (b *bridge) stop(t testing.TB) {
	t.Helper()
	b.stopOnce.Do(func() {
		_ = b.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case err := <-b.exited:
			if err != nil {
				t.Errorf("bridge exited with %v; stderr:\n%s", err, tail(b.stderr.String(), 4000))
			}
		case <-time.After(30 * time.Second):
			_ = b.cmd.Process.Kill()
			<-b.exited
			t.Errorf("bridge did not stop within 30s of SIGTERM; stderr:\n%s", tail(b.stderr.String(), 4000))
		}
	})
}

func tail(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return "…" + s[len(s)-n:]
}

// createDatabase creates a database in the embedded server, which, like
// GreptimeDB, does not create databases on write.
func (b *bridge) createDatabase(t testing.TB, name string) {
	t.Helper()
	if b.DB == "" {
		t.Fatal("the bridge did not print the embedded server's address")
	}
	c, err := writer.NewClient(writer.DefaultConfig(b.DB))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := c.ExecSQL(ctx, "CREATE DATABASE "+name); err != nil {
		t.Fatalf("create database %s: %v", name, err)
	}
}

// column is one column as /debug/tables lists it.
type column struct {
	Name     string            `json:"name"`
	Type     string            `json:"data_type"`
	Semantic string            `json:"semantic_type"`
	Options  map[string]string `json:"options"`
}

// tableInfo is one table as /debug/tables lists it.
type tableInfo struct {
	Database string            `json:"database"`
	Name     string            `json:"name"`
	Engine   string            `json:"engine"`
	Columns  []column          `json:"columns"`
	Options  map[string]string `json:"table_options"`
	Rows     int               `json:"row_count"`
	ByPath   map[string]int    `json:"rows_by_path"`
	// SampleRows are the first rows stored, in column order.
	SampleRows [][]string `json:"sample_rows"`
}

func (ti tableInfo) column(name string) (column, bool) {
	for _, c := range ti.Columns {
		if c.Name == name {
			return c, true
		}
	}
	return column{}, false
}

// tables reads /debug/tables for db ("" is the default database).
func (b *bridge) tables(t testing.TB, db string) map[string]tableInfo {
	t.Helper()
	u := "http://" + b.HTTP + "/debug/tables"
	if db != "" {
		u += "?db=" + db
	}
	body := httpGet(t, u)
	var list []tableInfo
	if err := json.Unmarshal(body, &list); err != nil {
		t.Fatalf("/debug/tables: %v: %.300s", err, body)
	}
	out := make(map[string]tableInfo, len(list))
	for _, ti := range list {
		out[ti.Name] = ti
	}
	return out
}

// metric reads one unlabelled sample from the bridge's /metrics.
func (b *bridge) metric(t testing.TB, name string) float64 {
	t.Helper()
	return scrapeValue(t, "http://"+b.HTTP+"/metrics", name)
}

// httpClient bounds every request the tests make.
var httpClient = &http.Client{Timeout: 10 * time.Second}

func httpGet(t testing.TB, u string) []byte {
	t.Helper()
	resp, err := httpClient.Get(u)
	if err != nil {
		t.Fatalf("GET %s: %v", u, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("GET %s: %v", u, err)
	}
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %s: %.300s", u, resp.Status, body)
	}
	return body
}

// scrapeValue returns the value of the first sample whose name-and-labels
// text starts with series (e.g. `foo_total` or `foo{a="b"}`), or -1.
func scrapeValue(t testing.TB, u, series string) float64 {
	t.Helper()
	for _, line := range strings.Split(string(httpGet(t, u)), "\n") {
		if strings.HasPrefix(line, "#") || !strings.HasPrefix(line, series) {
			continue
		}
		rest := line[len(series):]
		if series[len(series)-1] != '}' && strings.HasPrefix(rest, "{") {
			// series named without labels matches the labelled sample too.
			if i := strings.IndexByte(rest, '}'); i >= 0 {
				rest = rest[i+1:]
			}
		}
		if rest == "" || rest[0] != ' ' {
			continue
		}
		var v float64
		if _, err := fmt.Sscan(strings.Fields(rest)[0], &v); err == nil {
			return v
		}
	}
	return -1
}

// waitFor polls cond every 100ms until it returns "" or the wait ends; it
// then fails with cond's last explanation.
func waitFor(t testing.TB, d time.Duration, cond func() string) {
	t.Helper()
	deadline := time.Now().Add(d)
	for {
		why := cond()
		if why == "" {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("after %v: %s", d, why)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

package e2e

import (
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"
)

func TestVmagentZstd(t *testing.T) {
	bin := peer(t, "vmagent", "E2E_VMAGENT")
	b := startBridge(t, "GREPTIME_BRIDGE_PIPELINE_FLUSH_INTERVAL=50ms")
	proxy, wire := recordingProxy(t, b)

	addr := startVmagent(t, bin, proxy)

	// Data arrives: vmagent's own metrics, with its scrape labels as tags.
	waitFor(t, 60*time.Second, func() string {
		tables := b.tables(t, "")
		for _, name := range []string{"up", "vm_app_uptime_seconds", "vmagent_remotewrite_requests_total"} {
			if tables[name].Rows < 3 {
				return fmt.Sprintf("table %s: %d rows, want at least 3", name, tables[name].Rows)
			}
		}
		return ""
	})
	tables := b.tables(t, "")
	up := tables["up"]
	wantColumn(t, up, "job", "STRING", "TAG")
	wantColumn(t, up, "instance", "STRING", "TAG")
	wantColumn(t, up, "greptime_value", "FLOAT64", "FIELD")
	rows, err := up.sampleRows()
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rows {
		if r["job"].Raw != "vmagent" || r["instance"].Raw != addr || r["greptime_value"].Raw != "1" {
			t.Errorf("up row %v: want job=vmagent instance=%s value 1", r, addr)
		}
	}

	// It never fell back to snappy: every write was zstd, without the
	// Prometheus version header, and answered 204.
	enc, ver, vmVer, st := wire.snapshot()
	if len(enc) != 1 || enc["zstd"] == 0 {
		t.Errorf("Content-Encoding of writes: %v, want only zstd", enc)
	}
	if len(ver) != 1 || ver[""] == 0 {
		t.Errorf("X-Prometheus-Remote-Write-Version of writes: %v, want none", ver)
	}
	if len(vmVer) != 1 || vmVer["1"] == 0 {
		t.Errorf("X-VictoriaMetrics-Remote-Write-Version of writes: %v, want 1", vmVer)
	}
	if len(st) != 1 || st[http.StatusNoContent] == 0 {
		t.Errorf("answers to writes: %v, want only 204", st)
	}
	// Every sample in the zstd bodies that the bridge answered 204 was
	// decoded and counted by the bridge: nothing lost in decompression.
	wire.close()
	wire.mu.Lock()
	sent, bad := wire.samples, wire.badBodies
	wire.mu.Unlock()
	if len(bad) > 0 {
		t.Errorf("zstd bodies that did not decode: %v", bad)
	}
	received := scrapeValue(t, "http://"+b.HTTP+"/metrics", `bridge_remote_write_received_total{kind="sample",version="1.0"}`)
	if sent == 0 || received != float64(sent) {
		t.Errorf("vmagent sent %d samples in requests answered 204; the bridge counted %v", sent, received)
	}
	t.Logf("vmagent: %d zstd writes, %d samples", enc["zstd"], sent)
	if n := scrapeValue(t, "http://"+addr+"/metrics", "vmagent_remotewrite_packets_dropped_total"); n > 0 {
		t.Errorf("vmagent dropped %v packets", n)
	}
}

// startVmagent runs vmagent scraping itself every second and writing to
// http://writeAddr/api/v1/write with its default protocol settings:
// vmagent v1.130 sends zstd from the first request and would switch to
// snappy only after a 400 or 415. It returns vmagent's listen address.
func startVmagent(t *testing.T, bin, writeAddr string, flags ...string) string {
	t.Helper()
	dir := t.TempDir()
	addr := freeAddr(t)
	scrape := fmt.Sprintf("scrape_configs:\n  - job_name: vmagent\n    scrape_interval: 1s\n    static_configs:\n      - targets: ['%s']\n", addr)
	cfg := filepath.Join(dir, "scrape.yml")
	if err := os.WriteFile(cfg, []byte(scrape), 0o600); err != nil {
		t.Fatal(err)
	}
	args := append([]string{
		"-httpListenAddr=" + addr, "-promscrape.config=" + cfg,
		"-remoteWrite.url=http://" + writeAddr + "/api/v1/write", "-remoteWrite.tmpDataPath=" + filepath.Join(dir, "queue"),
		"-remoteWrite.flushInterval=200ms", "-loggerLevel=WARN",
	}, flags...)
	startPeer(t, bin, args...)
	return addr
}

// TestVmagentPrometheusProtocol forces vmagent to Prometheus's own
// protocol (snappy): the bridge takes that too.
func TestVmagentPrometheusProtocol(t *testing.T) {
	bin := peer(t, "vmagent", "E2E_VMAGENT")
	b := startBridge(t, "GREPTIME_BRIDGE_PIPELINE_FLUSH_INTERVAL=50ms")
	proxy, wire := recordingProxy(t, b)
	startVmagent(t, bin, proxy, "-remoteWrite.forcePromProto")
	waitFor(t, 60*time.Second, func() string {
		if n := b.tables(t, "")["vm_app_uptime_seconds"].Rows; n < 3 {
			return fmt.Sprintf("vm_app_uptime_seconds: %d rows", n)
		}
		return ""
	})
	wire.close()
	enc, _, _, st := wire.snapshot()
	if len(enc) != 1 || enc["snappy"] == 0 {
		t.Errorf("Content-Encoding of writes: %v, want only snappy", enc)
	}
	if len(st) != 1 || st[http.StatusNoContent] == 0 {
		t.Errorf("answers to writes: %v, want only 204", st)
	}
}

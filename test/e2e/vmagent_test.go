package e2e

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/klauspost/compress/zstd"
	"google.golang.org/protobuf/encoding/protowire"
)

// wireLog records what crosses a recording proxy between a sender and the
// bridge: the bridge itself does not report the encoding it received.
type wireLog struct {
	mu         sync.Mutex
	encodings  map[string]int // Content-Encoding of POSTs
	rwVersions map[string]int // X-Prometheus-Remote-Write-Version of POSTs
	vmVersions map[string]int // X-VictoriaMetrics-Remote-Write-Version of POSTs
	statuses   map[int]int    // answers to POSTs
	closed     bool           // answer 503 without forwarding
	inflight   sync.WaitGroup // forwarded requests not yet answered
	samples    int            // samples in forwarded zstd bodies answered 204
	badBodies  []string       // bodies that did not decode
}

// close stops forwarding (later writes get 503, which vmagent retries)
// and waits for the forwarded ones to be answered.
func (w *wireLog) close() {
	w.mu.Lock()
	w.closed = true
	w.mu.Unlock()
	w.inflight.Wait()
}

func (w *wireLog) snapshot() (enc, ver, vmVer map[string]int, st map[int]int) {
	w.mu.Lock()
	defer w.mu.Unlock()
	enc, ver, vmVer, st = map[string]int{}, map[string]int{}, map[string]int{}, map[int]int{}
	for k, v := range w.vmVersions {
		vmVer[k] = v
	}
	for k, v := range w.encodings {
		enc[k] = v
	}
	for k, v := range w.rwVersions {
		ver[k] = v
	}
	for k, v := range w.statuses {
		st[k] = v
	}
	return enc, ver, vmVer, st
}

// recordingProxy forwards to the bridge's HTTP listener and records each
// request's headers and answer. It returns the proxy's address.
func recordingProxy(t *testing.T, b *bridge) (string, *wireLog) {
	t.Helper()
	target, err := url.Parse("http://" + b.HTTP)
	if err != nil {
		t.Fatal(err)
	}
	log := &wireLog{encodings: map[string]int{}, rwVersions: map[string]int{}, vmVersions: map[string]int{}, statuses: map[int]int{}}
	rp := httputil.NewSingleHostReverseProxy(target)
	rp.ModifyResponse = func(resp *http.Response) error {
		if resp.Request.Method == http.MethodPost {
			log.mu.Lock()
			log.statuses[resp.StatusCode]++
			if resp.StatusCode == http.StatusNoContent {
				log.samples += countSamples(resp.Request.Context())
			}
			log.mu.Unlock()
		}
		return nil
	}
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			rp.ServeHTTP(w, r)
			return
		}
		body, err := io.ReadAll(io.LimitReader(r.Body, 64<<20))
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		log.mu.Lock()
		if log.closed {
			log.mu.Unlock()
			http.Error(w, "the test stopped forwarding", http.StatusServiceUnavailable)
			return
		}
		log.inflight.Add(1)
		defer log.inflight.Done()
		enc := r.Header.Get("Content-Encoding")
		log.encodings[enc]++
		log.rwVersions[r.Header.Get("X-Prometheus-Remote-Write-Version")]++
		log.vmVersions[r.Header.Get("X-VictoriaMetrics-Remote-Write-Version")]++
		n, err := samplesInZstd(body)
		if err != nil && enc == "zstd" {
			log.badBodies = append(log.badBodies, err.Error())
		}
		log.mu.Unlock()
		r.Body = io.NopCloser(bytes.NewReader(body))
		rp.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), samplesKey{}, n)))
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })
	return ln.Addr().String(), log
}

type samplesKey struct{}

func countSamples(ctx context.Context) int {
	n, _ := ctx.Value(samplesKey{}).(int)
	return n
}

// samplesInZstd decodes a zstd remote-write 1.0 body and counts its
// samples (WriteRequest.timeseries=1, TimeSeries.samples=2).
func samplesInZstd(body []byte) (int, error) {
	dec, err := zstd.NewReader(nil)
	if err != nil {
		return 0, err
	}
	defer dec.Close()
	raw, err := dec.DecodeAll(body, nil)
	if err != nil {
		return 0, err
	}
	n := 0
	err = eachField(raw, func(num protowire.Number, v []byte) error {
		if num != 1 {
			return nil
		}
		return eachField(v, func(num protowire.Number, _ []byte) error {
			if num == 2 {
				n++
			}
			return nil
		})
	})
	return n, err
}

// eachField calls fn with every length-delimited field of a protobuf
// message and skips the others.
func eachField(b []byte, fn func(protowire.Number, []byte) error) error {
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 {
			return protowire.ParseError(n)
		}
		b = b[n:]
		if typ == protowire.BytesType {
			v, m := protowire.ConsumeBytes(b)
			if m < 0 {
				return protowire.ParseError(m)
			}
			if err := fn(num, v); err != nil {
				return err
			}
			b = b[m:]
			continue
		}
		m := protowire.ConsumeFieldValue(num, typ, b)
		if m < 0 {
			return protowire.ParseError(m)
		}
		b = b[m:]
	}
	return nil
}

func TestVmagentZstd(t *testing.T) {
	bin := peer(t, "vmagent", "E2E_VMAGENT")
	b := startBridge(t, "GREPTIME_BRIDGE_PIPELINE_FLUSH_INTERVAL=50ms")
	proxy, wire := recordingProxy(t, b)

	dir := t.TempDir()
	addr := freeAddr(t)
	scrape := fmt.Sprintf("scrape_configs:\n  - job_name: vmagent\n    scrape_interval: 1s\n    static_configs:\n      - targets: ['%s']\n", addr)
	cfg := filepath.Join(dir, "scrape.yml")
	if err := os.WriteFile(cfg, []byte(scrape), 0o600); err != nil {
		t.Fatal(err)
	}
	// Default protocol settings: vmagent v1.130 sends zstd from the first
	// request and would switch to snappy only after a 400 or 415.
	startPeer(t, bin, "-httpListenAddr="+addr, "-promscrape.config="+cfg,
		"-remoteWrite.url=http://"+proxy+"/api/v1/write", "-remoteWrite.tmpDataPath="+filepath.Join(dir, "queue"),
		"-remoteWrite.flushInterval=200ms", "-loggerLevel=WARN")

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

package sink

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/klauspost/compress/snappy"
	"github.com/klauspost/compress/zstd"
)

// Limits on one request, the same order as the bridge's defaults: a body
// larger than this is answered 413 without being read further.
const (
	maxBody         = 64 << 20
	maxDecompressed = 256 << 20
)

// Sink counts what it is sent. The zero value is not usable; use New.
type Sink struct {
	items    map[string]*atomic.Int64
	requests atomic.Int64
	bad      atomic.Int64
	zstd     *zstd.Decoder
	bufs     sync.Pool
}

// New returns a Sink with zero counts.
func New() *Sink {
	// DecodeAll is safe for concurrent use; the limit bounds a zstd bomb.
	dec, err := zstd.NewReader(nil, zstd.WithDecoderMaxMemory(maxDecompressed), zstd.WithDecoderConcurrency(0))
	if err != nil {
		panic(err) // only invalid options fail
	}
	s := &Sink{items: map[string]*atomic.Int64{}, zstd: dec}
	for kind := range paths {
		s.items[kind] = &atomic.Int64{}
	}
	return s
}

// Handler serves remote write at /api/v1/write (and GreptimeDB's
// /v1/prometheus/write), OTLP/HTTP protobuf at /v1/metrics, /v1/logs and
// /v1/traces, and the totals at /count (JSON) and /metrics (text).
func (s *Sink) Handler() http.Handler {
	mux := http.NewServeMux()
	for _, p := range []string{"/api/v1/write", "/v1/prometheus/write"} {
		mux.HandleFunc(p, s.serveRemoteWrite)
	}
	mux.HandleFunc("/v1/metrics", func(w http.ResponseWriter, r *http.Request) { s.serveOTLP(w, r, Metrics) })
	mux.HandleFunc("/v1/logs", func(w http.ResponseWriter, r *http.Request) { s.serveOTLP(w, r, Logs) })
	mux.HandleFunc("/v1/traces", func(w http.ResponseWriter, r *http.Request) { s.serveOTLP(w, r, Traces) })
	mux.HandleFunc("/count", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(s.Totals())
	})
	mux.HandleFunc("/metrics", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; version=0.0.4")
		for k, v := range s.Totals() {
			fmt.Fprintf(w, "loadgen_sink_total{what=%q} %d\n", k, v)
		}
	})
	return mux
}

// Totals returns the counts so far: items by kind, requests taken and
// requests refused.
func (s *Sink) Totals() map[string]int64 {
	t := map[string]int64{"requests": s.requests.Load(), "bad_requests": s.bad.Load()}
	for k, v := range s.items {
		t[k] = v.Load()
	}
	return t
}

// serveRemoteWrite takes Prometheus's snappy and vmagent's zstd bodies.
func (s *Sink) serveRemoteWrite(w http.ResponseWriter, r *http.Request) {
	// vmagent before v1.116 asked which protocol the server speaks;
	// VictoriaMetrics answers "1" (lib/protoparser/protoparserutil/
	// vmproto_handshake.go), which makes it send zstd.
	if r.URL.Query().Get("get_vm_proto_version") != "" {
		_, _ = io.WriteString(w, "1")
		return
	}
	kind := RemoteWrite1
	if strings.Contains(r.Header.Get("Content-Type"), "io.prometheus.write.v2.Request") {
		kind = RemoteWrite2
	}
	n, code, err := s.take(r, kind)
	if err != nil {
		http.Error(w, err.Error(), code)
		return
	}
	if kind == RemoteWrite2 {
		// Remote write 2.0 senders read what was written from these.
		w.Header().Set("X-Prometheus-Remote-Write-Samples-Written", strconv.Itoa(n))
		w.Header().Set("X-Prometheus-Remote-Write-Histograms-Written", "0")
		w.Header().Set("X-Prometheus-Remote-Write-Exemplars-Written", "0")
	}
	w.WriteHeader(http.StatusNoContent)
}

// serveOTLP takes OTLP/HTTP protobuf, uncompressed or gzip (the
// Collector's default) or zstd, and answers an empty Export*Response.
func (s *Sink) serveOTLP(w http.ResponseWriter, r *http.Request, kind string) {
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/x-protobuf") {
		http.Error(w, "the counting sink takes only application/x-protobuf, not "+ct, http.StatusUnsupportedMediaType)
		s.bad.Add(1)
		return
	}
	if _, code, err := s.take(r, kind); err != nil {
		http.Error(w, err.Error(), code)
		return
	}
	w.Header().Set("Content-Type", "application/x-protobuf")
	w.WriteHeader(http.StatusOK) // an empty response message is zero bytes
}

// take reads, decompresses and counts one body; on failure it returns the
// status to answer.
func (s *Sink) take(r *http.Request, kind string) (int, int, error) {
	if r.Method != http.MethodPost {
		s.bad.Add(1)
		return 0, http.StatusMethodNotAllowed, fmt.Errorf("method %s: only POST", r.Method)
	}
	b, _ := s.bufs.Get().(*buffers)
	if b == nil {
		b = &buffers{}
	}
	defer s.bufs.Put(b)
	raw, code, err := s.read(r, b)
	if err != nil {
		s.bad.Add(1)
		return 0, code, err
	}
	n, err := Count(kind, raw)
	if err != nil {
		s.bad.Add(1)
		return 0, http.StatusBadRequest, fmt.Errorf("cannot decode %s body of %d bytes: %w", kind, len(raw), err)
	}
	s.items[kind].Add(int64(n))
	s.requests.Add(1)
	return n, 0, nil
}

// buffers are one request's body as received and decompressed, pooled so
// that a busy sink allocates next to nothing per request.
type buffers struct {
	in  bytes.Buffer
	out []byte
}

// read returns the decompressed body, held in b until b is reused.
func (s *Sink) read(r *http.Request, b *buffers) ([]byte, int, error) {
	in := &b.in
	bp := &b.out
	in.Reset()
	in.Grow(int(min(max(r.ContentLength, 512), maxBody)))
	if _, err := in.ReadFrom(io.LimitReader(r.Body, maxBody+1)); err != nil {
		return nil, http.StatusBadRequest, fmt.Errorf("cannot read body: %w", err)
	}
	if in.Len() > maxBody {
		return nil, http.StatusRequestEntityTooLarge, fmt.Errorf("body over %d bytes", maxBody)
	}
	body := in.Bytes()
	switch enc := r.Header.Get("Content-Encoding"); enc {
	case "", "identity":
		return body, 0, nil
	case "snappy":
		n, err := snappy.DecodedLen(body)
		if err != nil || n > maxDecompressed {
			return nil, http.StatusBadRequest, fmt.Errorf("snappy body of %d bytes: bad length %d (%w)", len(body), n, err)
		}
		out, err := snappy.Decode((*bp)[:cap(*bp)], body)
		if err != nil {
			return nil, http.StatusBadRequest, fmt.Errorf("cannot decode snappy body: %w", err)
		}
		*bp = out
		return out, 0, nil
	case "zstd":
		out, err := s.zstd.DecodeAll(body, (*bp)[:0])
		if err != nil {
			return nil, http.StatusBadRequest, fmt.Errorf("cannot decode zstd body: %w", err)
		}
		*bp = out
		return out, 0, nil
	case "gzip":
		zr, err := gzip.NewReader(bytes.NewReader(body))
		if err != nil {
			return nil, http.StatusBadRequest, fmt.Errorf("cannot decode gzip body: %w", err)
		}
		out := bytes.NewBuffer((*bp)[:0])
		if _, err := out.ReadFrom(io.LimitReader(zr, maxDecompressed+1)); err != nil {
			return nil, http.StatusBadRequest, fmt.Errorf("cannot decode gzip body: %w", err)
		}
		if out.Len() > maxDecompressed {
			return nil, http.StatusRequestEntityTooLarge, fmt.Errorf("gzip body over %d bytes decompressed", maxDecompressed)
		}
		*bp = out.Bytes()
		return *bp, 0, nil
	default:
		return nil, http.StatusUnsupportedMediaType, fmt.Errorf("content-encoding %q not supported", enc)
	}
}

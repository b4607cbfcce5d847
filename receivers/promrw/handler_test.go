package promrw_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/klauspost/compress/snappy"
	"github.com/klauspost/compress/zstd"
	"go.uber.org/goleak"
	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/encoding/protowire"

	"github.com/greptime-bridge/greptime-bridge/pipeline"
	"github.com/greptime-bridge/greptime-bridge/receivers/auth"
	"github.com/greptime-bridge/greptime-bridge/receivers/dbselect"
	"github.com/greptime-bridge/greptime-bridge/receivers/promrw"
	"github.com/greptime-bridge/greptime-bridge/translate/prom"
	"github.com/greptime-bridge/greptime-bridge/writer"
	"github.com/greptime-bridge/greptime-bridge/writer/greptimetest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

type series struct {
	labels [][2]string
	ts     []int64
	vals   []float64
}

// rw1 encodes a prometheus.WriteRequest (timeseries = 1; labels = 1,
// samples = 2; Label name = 1, value = 2; Sample value = 1, timestamp = 2).
func rw1(ss ...series) []byte {
	var req []byte
	for _, s := range ss {
		var ts []byte
		for _, l := range s.labels {
			var lb []byte
			lb = protowire.AppendTag(lb, 1, protowire.BytesType)
			lb = protowire.AppendString(lb, l[0])
			lb = protowire.AppendTag(lb, 2, protowire.BytesType)
			lb = protowire.AppendString(lb, l[1])
			ts = protowire.AppendTag(ts, 1, protowire.BytesType)
			ts = protowire.AppendBytes(ts, lb)
		}
		for i := range s.ts {
			var sb []byte
			sb = protowire.AppendTag(sb, 1, protowire.Fixed64Type)
			sb = protowire.AppendFixed64(sb, math.Float64bits(s.vals[i]))
			sb = protowire.AppendTag(sb, 2, protowire.VarintType)
			sb = protowire.AppendVarint(sb, uint64(s.ts[i]))
			ts = protowire.AppendTag(ts, 2, protowire.BytesType)
			ts = protowire.AppendBytes(ts, sb)
		}
		req = protowire.AppendTag(req, 1, protowire.BytesType)
		req = protowire.AppendBytes(req, ts)
	}
	return req
}

type env struct {
	srv *greptimetest.Server
	url string
	p   *pipeline.Pipeline
}

func setup(t *testing.T, mutate func(*promrw.Config), authn *auth.Authenticator, budget *pipeline.Budget) *env {
	return setupWith(t, greptimetest.Options{}, mutate, authn, budget)
}

func setupWith(t *testing.T, so greptimetest.Options, mutate func(*promrw.Config), authn *auth.Authenticator, budget *pipeline.Budget) *env {
	t.Helper()
	srv := greptimetest.StartT(t, so)
	c, err := writer.NewClient(writer.DefaultConfig(srv.Addr()))
	if err != nil {
		t.Fatal(err)
	}
	p := pipeline.New(pipeline.Config{
		FlushInterval: 10 * time.Millisecond, Workers: 2,
		Retry: pipeline.RetryConfig{MaxAttempts: 2, InitialBackoff: time.Millisecond, MaxBackoff: time.Millisecond},
	}, c, pipeline.ClientDDL{Client: c}, nil, nil)
	cfg := promrw.Config{
		MaxRequestBytes: 1 << 20, MaxDecompressedBytes: 4 << 20, RetryAfter: 7 * time.Second,
		Translate: prom.DefaultOptions(), InflightWait: 50 * time.Millisecond,
	}
	if mutate != nil {
		mutate(&cfg)
	}
	h := promrw.New(cfg, p, budget, &dbselect.Selector{Default: "public"}, authn, nil, nil)
	mux := http.NewServeMux()
	h.Register(mux)
	hs := httptest.NewServer(mux)
	t.Cleanup(func() {
		hs.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = p.Shutdown(ctx)
		_ = c.Close()
	})
	return &env{srv: srv, url: hs.URL, p: p}
}

func post(t *testing.T, url string, body []byte, hdr map[string]string) *http.Response {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { resp.Body.Close() })
	return resp
}

func v1Headers() map[string]string {
	return map[string]string{"Content-Type": "application/x-protobuf", "Content-Encoding": "snappy", "X-Prometheus-Remote-Write-Version": "0.1.0"}
}

func upSeries(job string, n int) series {
	s := series{labels: [][2]string{{"__name__", "up"}, {"instance", "h:9090"}, {"job", job}}}
	for i := 0; i < n; i++ {
		s.ts = append(s.ts, int64(1000+i))
		s.vals = append(s.vals, float64(i))
	}
	return s
}

func TestRemoteWriteV1Snappy(t *testing.T) {
	e := setup(t, nil, nil, nil)
	body := snappy.Encode(nil, rw1(upSeries("a", 3), upSeries("b", 2)))
	for _, path := range []string{promrw.PathPrometheus, promrw.PathGreptimeDB} {
		resp := post(t, e.url+path, body, v1Headers())
		if resp.StatusCode != http.StatusNoContent {
			b, _ := io.ReadAll(resp.Body)
			t.Fatalf("%s: status %d: %s", path, resp.StatusCode, b)
		}
		if resp.Header.Get("X-Prometheus-Remote-Write-Samples-Written") != "" {
			t.Fatal("1.0 response carries 2.0 written headers")
		}
	}
	// Same samples twice: deduplicated on (tags, time index) by the table.
	if n := e.srv.RowCount("public", "up"); n != 5 {
		t.Fatalf("%d rows stored, want 5", n)
	}
	info, ok := e.srv.Table("public", "up")
	if !ok || info.Engine != "metric" {
		t.Fatalf("table %+v: want a metric-engine logical table", info)
	}
}

func TestRemoteWriteVMZstdWithoutVersionHeader(t *testing.T) {
	e := setup(t, nil, nil, nil)
	enc, _ := zstd.NewWriter(nil)
	body := enc.EncodeAll(rw1(upSeries("vm", 4)), nil)
	enc.Close()
	resp := post(t, e.url+promrw.PathPrometheus, body, map[string]string{"Content-Type": "application/x-protobuf", "Content-Encoding": "zstd"})
	if resp.StatusCode != http.StatusNoContent {
		b, _ := io.ReadAll(resp.Body)
		t.Fatalf("status %d: %s", resp.StatusCode, b)
	}
	if n := e.srv.RowCount("public", "up"); n != 4 {
		t.Fatalf("%d rows", n)
	}
}

func TestVMHandshake(t *testing.T) {
	e := setup(t, nil, nil, nil)
	resp, err := http.Get(e.url + promrw.PathPrometheus + "?get_vm_proto_version=1")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 || string(b) != "1" {
		t.Fatalf("handshake: %d %q", resp.StatusCode, b)
	}
}

func TestHeaderAndSizeErrors(t *testing.T) {
	e := setup(t, nil, nil, nil)
	good := snappy.Encode(nil, rw1(upSeries("a", 1)))
	cases := []struct {
		name string
		hdr  map[string]string
		body []byte
		want int
	}{
		{"json content type", map[string]string{"Content-Type": "application/json"}, good, 415},
		{"unknown proto", map[string]string{"Content-Type": "application/x-protobuf;proto=foo.Bar"}, good, 415},
		{"gzip encoding", map[string]string{"Content-Type": "application/x-protobuf", "Content-Encoding": "gzip"}, good, 415},
		{"missing encoding is snappy", map[string]string{"Content-Type": "application/x-protobuf"}, good, 204},
		{"garbage body", v1Headers(), []byte("definitely not snappy"), 400},
		{"too large", v1Headers(), bytes.Repeat([]byte{1}, 2<<20), 413},
		{"missing name", v1Headers(), snappy.Encode(nil, rw1(series{labels: [][2]string{{"job", "x"}}, ts: []int64{1}, vals: []float64{1}})), 400},
		{"repeated label name", v1Headers(), snappy.Encode(nil, rw1(series{labels: [][2]string{{"__name__", "up"}, {"job", "x"}, {"job", "y"}}, ts: []int64{1}, vals: []float64{1}})), 400},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			resp := post(t, e.url+promrw.PathPrometheus, c.body, c.hdr)
			b, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != c.want {
				t.Fatalf("status %d, want %d: %s", resp.StatusCode, c.want, b)
			}
			if c.want >= 400 && len(strings.TrimSpace(string(b))) == 0 {
				t.Fatal("error without a message")
			}
		})
	}
}

func TestDecompressedLimit(t *testing.T) {
	e := setup(t, func(c *promrw.Config) { c.MaxDecompressedBytes = 1000 }, nil, nil)
	big := upSeries("a", 500)
	resp := post(t, e.url+promrw.PathPrometheus, snappy.Encode(nil, rw1(big)), v1Headers())
	if resp.StatusCode != 413 {
		t.Fatalf("status %d, want 413", resp.StatusCode)
	}
}

func TestRemoteWriteV2WrittenHeaders(t *testing.T) {
	e := setup(t, nil, nil, nil)
	// io.prometheus.write.v2.Request: symbols = 4, timeseries = 5;
	// TimeSeries labels_refs = 1 (packed), samples = 2; Sample value = 1,
	// timestamp = 2.
	var req []byte
	for _, s := range []string{"", "__name__", "temp", "room", "k"} {
		req = protowire.AppendTag(req, 4, protowire.BytesType)
		req = protowire.AppendString(req, s)
	}
	var refs []byte
	for _, r := range []uint64{1, 2, 3, 4} {
		refs = protowire.AppendVarint(refs, r)
	}
	var ts []byte
	ts = protowire.AppendTag(ts, 1, protowire.BytesType)
	ts = protowire.AppendBytes(ts, refs)
	for i := 0; i < 3; i++ {
		var sb []byte
		sb = protowire.AppendTag(sb, 1, protowire.Fixed64Type)
		sb = protowire.AppendFixed64(sb, math.Float64bits(20.5))
		sb = protowire.AppendTag(sb, 2, protowire.VarintType)
		sb = protowire.AppendVarint(sb, uint64(1000+i))
		ts = protowire.AppendTag(ts, 2, protowire.BytesType)
		ts = protowire.AppendBytes(ts, sb)
	}
	req = protowire.AppendTag(req, 5, protowire.BytesType)
	req = protowire.AppendBytes(req, ts)
	hdr := map[string]string{"Content-Type": "application/x-protobuf;proto=io.prometheus.write.v2.Request", "Content-Encoding": "snappy"}
	resp := post(t, e.url+promrw.PathPrometheus, snappy.Encode(nil, req), hdr)
	if resp.StatusCode != 204 {
		b, _ := io.ReadAll(resp.Body)
		t.Fatalf("status %d: %s", resp.StatusCode, b)
	}
	if resp.Header.Get("X-Prometheus-Remote-Write-Samples-Written") != "3" ||
		resp.Header.Get("X-Prometheus-Remote-Write-Histograms-Written") != "0" ||
		resp.Header.Get("X-Prometheus-Remote-Write-Exemplars-Written") != "0" {
		t.Fatalf("written headers %v", resp.Header)
	}
	if n := e.srv.RowCount("public", "temp"); n != 3 {
		t.Fatalf("%d rows", n)
	}
	// A failed 2.0 request still carries the headers, with 0 written.
	bad := post(t, e.url+promrw.PathPrometheus, []byte("garbage"), hdr)
	if bad.StatusCode != 400 || bad.Header.Get("X-Prometheus-Remote-Write-Samples-Written") != "0" {
		t.Fatalf("bad 2.0: %d %v", bad.StatusCode, bad.Header)
	}
}

func TestUnavailableIs503WithRetryAfter(t *testing.T) {
	e := setup(t, nil, nil, nil)
	e.srv.FailNext(10, greptimetest.Fault{Method: "Handle", Code: codes.Unavailable, Status: 4008, Retryable: true, Message: "region not ready"})
	resp := post(t, e.url+promrw.PathPrometheus, snappy.Encode(nil, rw1(upSeries("a", 1))), v1Headers())
	if resp.StatusCode != 503 || resp.Header.Get("Retry-After") != "7" {
		t.Fatalf("status %d Retry-After %q", resp.StatusCode, resp.Header.Get("Retry-After"))
	}
}

func TestBudgetFullIs503(t *testing.T) {
	budget := pipeline.NewBudget(1<<20, 3*time.Second)
	e := setup(t, nil, nil, budget)
	// Another request holds the whole budget.
	if err := budget.Acquire(context.Background(), 1<<20, 0); err != nil {
		t.Fatal(err)
	}
	resp := post(t, e.url+promrw.PathPrometheus, snappy.Encode(nil, rw1(upSeries("a", 50))), v1Headers())
	if resp.StatusCode != 503 || resp.Header.Get("Retry-After") != "3" {
		t.Fatalf("status %d Retry-After %q, want 503 and 3", resp.StatusCode, resp.Header.Get("Retry-After"))
	}
	budget.Release(1 << 20)
	resp = post(t, e.url+promrw.PathPrometheus, snappy.Encode(nil, rw1(upSeries("a", 50))), v1Headers())
	if resp.StatusCode != 204 {
		t.Fatalf("after release: %d", resp.StatusCode)
	}
	if budget.Used() != 0 {
		t.Fatalf("budget leaked %d bytes", budget.Used())
	}
}

// TestRequestLargerThanBudgetWrittenAlone: a request whose expected peak
// exceeds the whole budget (though its bytes fit) is not refused for good
// (Prometheus would drop it on 413): it waits until it can hold what one
// request may (pipeline.Budget.Largest), alone.
func TestRequestLargerThanBudgetWrittenAlone(t *testing.T) {
	budget := pipeline.NewBudget(16<<10, time.Second)
	e := setup(t, nil, nil, budget)
	body := snappy.Encode(nil, rw1(upSeries("a", 50)))
	other := budget.Limit() - budget.Largest() + 1
	if err := budget.Acquire(context.Background(), other, 0); err != nil {
		t.Fatal(err)
	}
	if resp := post(t, e.url+promrw.PathPrometheus, body, v1Headers()); resp.StatusCode != 503 {
		t.Fatalf("with the budget in use: %d, want 503", resp.StatusCode)
	}
	budget.Release(other)
	if resp := post(t, e.url+promrw.PathPrometheus, body, v1Headers()); resp.StatusCode != 204 {
		t.Fatalf("with the budget free: %d, want 204", resp.StatusCode)
	}
	if budget.Used() != 0 {
		t.Fatalf("budget leaked %d bytes", budget.Used())
	}
}

func TestAuth(t *testing.T) {
	e := setup(t, nil, auth.New(auth.Options{Users: []auth.Credential{{Name: "prom", Secret: "secret", Databases: []string{auth.AllDatabases}}}}), nil)
	body := snappy.Encode(nil, rw1(upSeries("a", 1)))
	resp := post(t, e.url+promrw.PathPrometheus, body, v1Headers())
	if resp.StatusCode != 401 {
		t.Fatalf("no credentials: %d", resp.StatusCode)
	}
	h := v1Headers()
	h["Authorization"] = "Basic " + base64.StdEncoding.EncodeToString([]byte("prom:secret"))
	if resp := post(t, e.url+promrw.PathPrometheus, body, h); resp.StatusCode != 204 {
		t.Fatalf("good credentials: %d", resp.StatusCode)
	}
}

func TestMetadataOnlyRequestIs204(t *testing.T) {
	e := setup(t, nil, nil, nil)
	// WriteRequest.metadata = 3: MetricMetadata{type=1, metric_family_name=2}.
	var md []byte
	md = protowire.AppendTag(md, 1, protowire.VarintType)
	md = protowire.AppendVarint(md, 1)
	md = protowire.AppendTag(md, 2, protowire.BytesType)
	md = protowire.AppendString(md, "up")
	var req []byte
	req = protowire.AppendTag(req, 3, protowire.BytesType)
	req = protowire.AppendBytes(req, md)
	resp := post(t, e.url+promrw.PathPrometheus, snappy.Encode(nil, req), v1Headers())
	if resp.StatusCode != 204 {
		t.Fatalf("status %d", resp.StatusCode)
	}
	if len(e.srv.Tables("public")) != 0 {
		t.Fatalf("tables created from metadata: %v", e.srv.Tables("public"))
	}
}

// TestMislabelledBodiesFallBack: a zstd body labelled snappy and a snappy
// body labelled zstd are decoded with the other codec, as GreptimeDB does
// for vmagent (servers/src/prom_remote_write/mod.rs try_decompress).
func TestMislabelledBodiesFallBack(t *testing.T) {
	e := setup(t, nil, nil, nil)
	enc, _ := zstd.NewWriter(nil)
	zbody := enc.EncodeAll(rw1(upSeries("z", 3)), nil)
	enc.Close()
	sbody := snappy.Encode(nil, rw1(upSeries("s", 2)))
	for _, c := range []struct {
		label string
		body  []byte
	}{{"snappy", zbody}, {"zstd", sbody}} {
		resp := post(t, e.url+promrw.PathPrometheus, c.body, map[string]string{"Content-Type": "application/x-protobuf", "Content-Encoding": c.label})
		if resp.StatusCode != http.StatusNoContent {
			b, _ := io.ReadAll(resp.Body)
			t.Fatalf("labelled %s: status %d: %s", c.label, resp.StatusCode, b)
		}
	}
	if n := e.srv.RowCount("public", "up"); n != 5 {
		t.Fatalf("%d rows, want 5", n)
	}
}

// TestBodyLargerThanBudgetIs413: a body whose bytes alone exceed the whole
// memory budget can never be taken: 413, not 503 forever.
func TestBodyLargerThanBudgetIs413(t *testing.T) {
	budget := pipeline.NewBudget(64<<10, time.Second)
	e := setup(t, nil, nil, budget)
	resp := post(t, e.url+promrw.PathPrometheus, bytes.Repeat([]byte{1}, 100<<10), v1Headers())
	if resp.StatusCode != http.StatusRequestEntityTooLarge {
		t.Fatalf("status %d, want 413", resp.StatusCode)
	}
	if budget.Used() != 0 {
		t.Fatalf("budget leaked %d bytes", budget.Used())
	}
}

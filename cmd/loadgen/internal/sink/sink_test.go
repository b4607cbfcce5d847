package sink

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/klauspost/compress/snappy"
	"github.com/klauspost/compress/zstd"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/plog/plogotlp"
	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.opentelemetry.io/collector/pdata/pmetric/pmetricotlp"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/collector/pdata/ptrace/ptraceotlp"

	"github.com/greptime-bridge/greptime-bridge/cmd/loadgen/internal/gen"
)

var now = time.UnixMilli(1_790_000_000_000)

func rwBody(t testing.TB, v2 bool) ([]byte, int) {
	t.Helper()
	rw := gen.RemoteWrite{SeriesSet: gen.SeriesSet{Series: 700, Labels: 6, Names: 7}, SeriesPerRequest: 700, SamplesPerSeries: 3, Version2: v2}
	tmpl, err := rw.Requests(now)
	if err != nil {
		t.Fatal(err)
	}
	return tmpl[0].Body, tmpl[0].Items
}

// metricsBody has every metric type, so each data_points path counts.
func metricsBody(t testing.TB) ([]byte, int) {
	t.Helper()
	md := pmetric.NewMetrics()
	for r := range 2 {
		sm := md.ResourceMetrics().AppendEmpty().ScopeMetrics().AppendEmpty()
		for i := range 3 + r {
			sm.Metrics().AppendEmpty().SetEmptyGauge().DataPoints().AppendEmpty().SetIntValue(int64(i))
			s := sm.Metrics().AppendEmpty().SetEmptySum()
			s.DataPoints().AppendEmpty().SetDoubleValue(1)
			s.DataPoints().AppendEmpty().SetDoubleValue(2)
			sm.Metrics().AppendEmpty().SetEmptyHistogram().DataPoints().AppendEmpty().SetCount(3)
			sm.Metrics().AppendEmpty().SetEmptyExponentialHistogram().DataPoints().AppendEmpty().SetCount(4)
			sm.Metrics().AppendEmpty().SetEmptySummary().DataPoints().AppendEmpty().SetCount(5)
		}
	}
	b, err := pmetricotlp.NewExportRequestFromMetrics(md).MarshalProto()
	if err != nil {
		t.Fatal(err)
	}
	return b, md.DataPointCount()
}

func logsBody(t testing.TB) ([]byte, int) {
	t.Helper()
	ld := plog.NewLogs()
	for r := range 3 {
		rl := ld.ResourceLogs().AppendEmpty()
		rl.Resource().Attributes().PutStr("service.name", "s")
		for s := range 2 {
			sl := rl.ScopeLogs().AppendEmpty()
			for i := range 5 + r + s {
				lr := sl.LogRecords().AppendEmpty()
				lr.Body().SetStr("line")
				lr.Attributes().PutInt("i", int64(i))
			}
		}
	}
	b, err := plogotlp.NewExportRequestFromLogs(ld).MarshalProto()
	if err != nil {
		t.Fatal(err)
	}
	return b, ld.LogRecordCount()
}

func tracesBody(t testing.TB) ([]byte, int) {
	t.Helper()
	td := ptrace.NewTraces()
	ss := td.ResourceSpans().AppendEmpty().ScopeSpans().AppendEmpty()
	for i := range 9 {
		ss.Spans().AppendEmpty().SetName("span" + string(rune('a'+i)))
	}
	b, err := ptraceotlp.NewExportRequestFromTraces(td).MarshalProto()
	if err != nil {
		t.Fatal(err)
	}
	return b, td.SpanCount()
}

func TestCount(t *testing.T) {
	rw1, n1 := rwBody(t, false)
	rw2, n2 := rwBody(t, true)
	m, nm := metricsBody(t)
	l, nl := logsBody(t)
	tr, nt := tracesBody(t)
	for _, c := range []struct {
		kind string
		body []byte
		want int
	}{
		{RemoteWrite1, rw1, n1},
		{RemoteWrite2, rw2, n2},
		{Metrics, m, nm},
		{Logs, l, nl},
		{Traces, tr, nt},
		{Metrics, nil, 0},
	} {
		got, err := Count(c.kind, c.body)
		if err != nil || got != c.want {
			t.Errorf("%s: %d, %v; want %d", c.kind, got, err, c.want)
		}
		if c.want == 0 {
			continue
		}
		// Every truncation is an error or a smaller count, never a panic.
		for cut := 1; cut < len(c.body); cut += 1 + len(c.body)/97 {
			if n, err := Count(c.kind, c.body[:cut]); err == nil && n > c.want {
				t.Fatalf("%s cut at %d: %d items, more than %d", c.kind, cut, n, c.want)
			}
		}
	}
	if _, err := Count("json", nil); err == nil {
		t.Error("unknown kind: no error")
	}
	if _, err := Count(Logs, []byte{0x0a, 0x05, 0x12}); err == nil {
		t.Error("truncated body: no error")
	}
}

func FuzzCount(f *testing.F) {
	rw1, _ := rwBody(f, false)
	m, _ := metricsBody(f)
	l, _ := logsBody(f)
	f.Add(rw1[:300], 0)
	f.Add(m, 2)
	f.Add(l, 3)
	kinds := []string{RemoteWrite1, RemoteWrite2, Metrics, Logs, Traces}
	f.Fuzz(func(t *testing.T, b []byte, k int) {
		kind := kinds[uint(k)%uint(len(kinds))]
		n, err := Count(kind, b)
		if err == nil && n > len(b) {
			t.Fatalf("%d items from %d bytes", n, len(b))
		}
	})
}

func post(t *testing.T, url, ctype, enc string, body []byte, query string) *http.Response {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, url+query, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	if enc != "" {
		req.Header.Set("Content-Encoding", enc)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	return resp
}

func TestHandler(t *testing.T) {
	s := New()
	srv := httptest.NewServer(s.Handler())
	defer srv.Close()
	rw1, n1 := rwBody(t, false)
	rw2, n2 := rwBody(t, true)
	m, nm := metricsBody(t)
	l, nl := logsBody(t)
	zenc, err := zstd.NewWriter(nil)
	if err != nil {
		t.Fatal(err)
	}
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	_, _ = zw.Write(l)
	_ = zw.Close()

	for _, c := range []struct {
		name, path, ctype, enc string
		body                   []byte
		status                 int
		header                 string
	}{
		{"prometheus snappy", "/api/v1/write", "application/x-protobuf", "snappy", snappy.Encode(nil, rw1), 204, ""},
		{"vmagent zstd", "/api/v1/write", "application/x-protobuf", "zstd", zenc.EncodeAll(rw1, nil), 204, ""},
		{"remote write 2.0", "/api/v1/write", "application/x-protobuf;proto=io.prometheus.write.v2.Request", "snappy", snappy.Encode(nil, rw2), 204, "X-Prometheus-Remote-Write-Samples-Written"},
		{"otlp metrics", "/v1/metrics", "application/x-protobuf", "", m, 200, ""},
		{"otlp logs gzip", "/v1/logs", "application/x-protobuf", "gzip", gz.Bytes(), 200, ""},
		{"otlp json", "/v1/logs", "application/json", "", []byte("{}"), 415, ""},
		{"unknown encoding", "/api/v1/write", "application/x-protobuf", "br", rw1, 415, ""},
		{"bad snappy", "/api/v1/write", "application/x-protobuf", "snappy", []byte("not snappy at all"), 400, ""},
		{"bad protobuf", "/v1/metrics", "application/x-protobuf", "", []byte{0x0a, 0xff}, 400, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			resp := post(t, srv.URL+c.path, c.ctype, c.enc, c.body, "")
			msg, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != c.status {
				t.Fatalf("status %d (%s), want %d", resp.StatusCode, msg, c.status)
			}
			if c.header != "" && resp.Header.Get(c.header) != "2100" {
				t.Errorf("%s: %q, want 2100", c.header, resp.Header.Get(c.header))
			}
		})
	}

	resp := post(t, srv.URL+"/api/v1/write", "", "", nil, "?get_vm_proto_version=1")
	msg, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || string(msg) != "1" {
		t.Errorf("vmagent handshake: %d %q, want 200 \"1\"", resp.StatusCode, msg)
	}

	want := map[string]int64{
		RemoteWrite1: 2 * int64(n1), RemoteWrite2: int64(n2), Metrics: int64(nm), Logs: int64(nl), Traces: 0,
		"requests": 5, "bad_requests": 4,
	}
	got, err := http.Get(srv.URL + "/count")
	if err != nil {
		t.Fatal(err)
	}
	var totals map[string]int64
	if err := json.NewDecoder(got.Body).Decode(&totals); err != nil {
		t.Fatal(err)
	}
	got.Body.Close()
	for k, v := range want {
		if totals[k] != v {
			t.Errorf("/count %s = %d, want %d (all: %v)", k, totals[k], v, totals)
		}
	}
	mt, err := http.Get(srv.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	text, _ := io.ReadAll(mt.Body)
	mt.Body.Close()
	if !strings.Contains(string(text), `loadgen_sink_total{what="rw1"} 4200`) {
		t.Errorf("/metrics lacks the rw1 count:\n%s", text)
	}
}

// BenchmarkTake measures the sink's cost per remote-write sample: read,
// snappy decode and count, as vmagent's forwarded requests arrive.
func BenchmarkTake(b *testing.B) {
	s := New()
	body, n := rwBody(b, false)
	comp := snappy.Encode(nil, body)
	b.ReportAllocs()
	b.SetBytes(int64(len(comp)))
	for b.Loop() {
		req := httptest.NewRequest(http.MethodPost, "/api/v1/write", bytes.NewReader(comp))
		req.Header.Set("Content-Encoding", "snappy")
		if _, _, err := s.take(req, RemoteWrite1); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/sample")
}

package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"math"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/klauspost/compress/snappy"
	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.opentelemetry.io/collector/pdata/pmetric/pmetricotlp"
	"google.golang.org/protobuf/encoding/protowire"
)

// addrWriter collects the bridge's stdout and hands over the OTLP/HTTP
// address once it is printed.
type addrWriter struct {
	mu   sync.Mutex
	buf  bytes.Buffer
	addr chan string
	sent bool
}

var httpAddrRe = regexp.MustCompile(`OTLP/HTTP endpoint:\s+http://(\S+)\n`)

func (w *addrWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.buf.Write(p)
	if m := httpAddrRe.FindSubmatch(w.buf.Bytes()); m != nil && !w.sent {
		w.sent = true
		w.addr <- string(m[1])
	}
	return len(p), nil
}

// rwSeries encodes remote-write 1.0 series, each a label list, one sample
// each, snappy-compressed.
func rwSeries(series ...[][2]string) []byte {
	var req []byte
	for _, labels := range series {
		var ts []byte
		for _, l := range labels {
			var lb []byte
			lb = protowire.AppendTag(lb, 1, protowire.BytesType)
			lb = protowire.AppendString(lb, l[0])
			lb = protowire.AppendTag(lb, 2, protowire.BytesType)
			lb = protowire.AppendString(lb, l[1])
			ts = protowire.AppendTag(ts, 1, protowire.BytesType)
			ts = protowire.AppendBytes(ts, lb)
		}
		var sb []byte
		sb = protowire.AppendTag(sb, 1, protowire.Fixed64Type)
		sb = protowire.AppendFixed64(sb, math.Float64bits(1))
		sb = protowire.AppendTag(sb, 2, protowire.VarintType)
		sb = protowire.AppendVarint(sb, 1000)
		ts = protowire.AppendTag(ts, 2, protowire.BytesType)
		ts = protowire.AppendBytes(ts, sb)
		req = protowire.AppendTag(req, 1, protowire.BytesType)
		req = protowire.AppendBytes(req, ts)
	}
	return snappy.Encode(nil, req)
}

// TestLimitsEndToEnd runs the bridge in dev mode with an hourly series
// limit of 3 on the default database and the default shape limits: the
// hostile shapes get 400 naming the limit, and remote write and OTLP
// metrics count against one series limit.
func TestLimitsEndToEnd(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	out := &addrWriter{addr: make(chan string, 1)}
	var errb syncBuffer
	done := make(chan int)
	env := []string{
		"GREPTIME_BRIDGE_LISTEN_HTTP=127.0.0.1:0", "GREPTIME_BRIDGE_LISTEN_GRPC=127.0.0.1:0",
		"GREPTIME_BRIDGE_DATABASE_DEFAULTS_MAX_HOURLY_SERIES=3",
	}
	go func() { done <- run(ctx, []string{"-dev"}, env, out, &errb) }()
	defer func() {
		cancel()
		select {
		case <-done:
		case <-time.After(20 * time.Second):
			t.Error("bridge did not shut down")
		}
	}()
	var addr string
	select {
	case addr = <-out.addr:
	case code := <-done:
		t.Fatalf("bridge exited %d: %s", code, errb.String())
	case <-time.After(20 * time.Second):
		t.Fatalf("no address printed: %s", errb.String())
	}
	post := func(path, ctype string, body []byte) (int, string) {
		t.Helper()
		req, _ := http.NewRequest(http.MethodPost, "http://"+addr+path, bytes.NewReader(body))
		req.Header.Set("Content-Type", ctype)
		if ctype == "application/x-protobuf" && path == "/api/v1/write" {
			req.Header.Set("Content-Encoding", "snappy")
			req.Header.Set("X-Prometheus-Remote-Write-Version", "0.1.0")
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	write := func(series ...[][2]string) (int, string) {
		return post("/api/v1/write", "application/x-protobuf", rwSeries(series...))
	}
	want := func(what string, code int, body string, wantCode int, fragment string) {
		t.Helper()
		if code != wantCode || !strings.Contains(body, fragment) {
			t.Errorf("%s: %d %q, want %d with %q", what, code, body, wantCode, fragment)
		}
	}

	wide := [][2]string{{"__name__", "wide"}}
	for i := 0; i < 10_000; i++ {
		wide = append(wide, [2]string{fmt.Sprintf("l%05d", i), "v"})
	}
	code, body := write(wide)
	want("10,000 labels", code, body, 400, "carries 10001, more than limits.shape.max_labels_per_series = 256")
	code, body = write([][2]string{{"__name__", "long"}, {"a", strings.Repeat("x", 10<<20)}})
	want("10 MB label value", code, body, 400, "more than limits.shape.max_label_value_length = 65536")

	up := func(i int) [][2]string { return [][2]string{{"__name__", "up"}, {"job", fmt.Sprint("j", i)}} }
	code, body = write(up(1), up(2))
	want("two series", code, body, 204, "")
	code, body = write(up(1), up(3), up(4))
	want("two new series past 3", code, body, 400, "passes its max_hourly_series = 3")

	// An OTLP gauge is a series of the same database: the third one fits,
	// a fourth does not.
	gauge := func(job string) []byte {
		md := pmetric.NewMetrics()
		m := md.ResourceMetrics().AppendEmpty().ScopeMetrics().AppendEmpty().Metrics().AppendEmpty()
		m.SetName("up")
		dp := m.SetEmptyGauge().DataPoints().AppendEmpty()
		dp.SetDoubleValue(1)
		dp.Attributes().PutStr("job", job)
		b, _ := pmetricotlp.NewExportRequestFromMetrics(md).MarshalProto()
		return b
	}
	code, body = post("/v1/metrics", "application/x-protobuf", gauge("j3"))
	want("third series over OTLP", code, body, 200, "")
	code, body = post("/v1/metrics", "application/x-protobuf", gauge("j4"))
	want("fourth series over OTLP", code, body, 400, "max_hourly_series = 3")
	code, body = write(up(1), up(2))
	want("known series", code, body, 204, "")

	md := pmetric.NewMetrics()
	rm := md.ResourceMetrics().AppendEmpty()
	for i := 0; i < 2000; i++ {
		rm.Resource().Attributes().PutStr(fmt.Sprint("k", i), "v")
	}
	rm.ScopeMetrics().AppendEmpty().Metrics().AppendEmpty().SetName("g")
	b, _ := pmetricotlp.NewExportRequestFromMetrics(md).MarshalProto()
	code, body = post("/v1/metrics", "application/x-protobuf", b)
	want("2,000 resource attributes", code, body, 400, "OTLP metrics resource attributes carries 2000, more than limits.shape.max_attributes_per_item = 1024")

	resp, err := http.Get("http://" + addr + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	m, _ := io.ReadAll(resp.Body)
	for _, line := range []string{`bridge_series_refused_total{database="public",window="hour"} 3`, `bridge_series_seen{database="public",window="hour"} 3`} {
		if !strings.Contains(string(m), line) {
			t.Errorf("/metrics lacks %s", line)
		}
	}
}

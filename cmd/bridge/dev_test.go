package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.opentelemetry.io/collector/pdata/pmetric/pmetricotlp"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
)

// syncBuffer lets the test read what run prints while it runs.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func TestDevModeEndToEnd(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	var out, errb syncBuffer
	done := make(chan int)
	env := []string{
		"GREPTIME_BRIDGE_LISTEN_HTTP=127.0.0.1:0", "GREPTIME_BRIDGE_LISTEN_GRPC=127.0.0.1:0",
		"GREPTIME_BRIDGE_PIPELINE_FLUSH_INTERVAL=10ms",
		// Taken as none: the embedded server shares gRPC's compressors
		// with the OTLP receiver, which passes gzip and zstd through.
		"GREPTIME_BRIDGE_GREPTIMEDB_COMPRESSION=gzip",
	}
	go func() { done <- run(ctx, []string{"-dev"}, env, &out, &errb) }()
	re := regexp.MustCompile(`OTLP/HTTP endpoint:\s+http://(\S+)\n\s+OTLP/gRPC endpoint:\s+(\S+)`)
	var httpAddr, grpcAddr string
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if m := re.FindStringSubmatch(out.String()); m != nil {
			httpAddr, grpcAddr = m[1], m[2]
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	if httpAddr == "" {
		cancel()
		<-done
		t.Fatalf("no addresses printed; stdout %q stderr %q", out.String(), errb.String())
	}
	if !strings.HasPrefix(httpAddr, "127.0.0.1:") || !strings.HasPrefix(grpcAddr, "127.0.0.1:") {
		t.Errorf("dev mode listens beyond loopback: %s %s", httpAddr, grpcAddr)
	}
	get := func(path string) (int, string) {
		resp, err := http.Get("http://" + httpAddr + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if code, _ := get("/-/ready"); code != 200 {
		t.Errorf("ready: %d", code)
	}
	// OTLP over gRPC, then over HTTP.
	md := pmetric.NewMetrics()
	m := md.ResourceMetrics().AppendEmpty().ScopeMetrics().AppendEmpty().Metrics().AppendEmpty()
	m.SetName("disk.io")
	m.SetUnit("By")
	sum := m.SetEmptySum()
	sum.SetIsMonotonic(true)
	sum.SetAggregationTemporality(pmetric.AggregationTemporalityCumulative)
	dp := sum.DataPoints().AppendEmpty()
	dp.SetTimestamp(pcommon.Timestamp(time.Second))
	dp.SetIntValue(42)
	conn, err := grpc.NewClient(grpcAddr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := pmetricotlp.NewGRPCClient(conn).Export(context.Background(), pmetricotlp.NewExportRequestFromMetrics(md), grpc.UseCompressor("gzip")); err != nil {
		t.Fatalf("OTLP gRPC: %v", err)
	}
	code, body := get("/debug/tables")
	if code != 200 {
		t.Fatalf("debug tables: %d", code)
	}
	var tables []struct {
		Name string `json:"name"`
		Rows int    `json:"row_count"`
	}
	if err := json.Unmarshal([]byte(body), &tables); err != nil {
		t.Fatalf("%v: %s", err, body)
	}
	found := false
	for _, tb := range tables {
		if tb.Name == "disk_io_bytes_total" && tb.Rows == 1 {
			found = true
		}
	}
	if !found {
		t.Fatalf("disk_io_bytes_total not listed with 1 row: %s", body)
	}
	if code, body := get("/debug/tables?table=disk_io_bytes_total&rows=all"); code != 200 || strings.Count(body, `"name": "disk_io_bytes_total"`) != 1 || !strings.Contains(body, "FLOAT64(42)") {
		t.Errorf("one table with all rows: %d %s", code, body)
	}
	if code, _ := get("/debug/tables?rows=many"); code != 400 {
		t.Errorf("bad rows parameter: %d", code)
	}
	if code, body := get("/metrics"); code != 200 || !strings.Contains(body, "bridge_rows_written_insert_total 1") ||
		!strings.Contains(body, `bridge_write_batch_rows_count{path="insert"} 1`) {
		t.Errorf("metrics: %d, rows counter or batch histogram missing", code)
	}
	if code, body := get("/status"); code != 200 || !strings.Contains(body, `"tables":1`) {
		t.Errorf("status: %d %s", code, body)
	}
	cancel()
	select {
	case code := <-done:
		if code != 0 {
			t.Fatalf("exit %d: %s", code, errb.String())
		}
	case <-time.After(20 * time.Second):
		t.Fatal("bridge did not shut down")
	}
}

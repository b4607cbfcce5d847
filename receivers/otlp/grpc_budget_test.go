package otlp_test

import (
	"context"
	"encoding/binary"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/plog/plogotlp"
	"go.opentelemetry.io/collector/pdata/pmetric/pmetricotlp"
	"go.opentelemetry.io/collector/pdata/ptrace/ptraceotlp"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/greptime-bridge/greptime-bridge/pipeline"
	"github.com/greptime-bridge/greptime-bridge/receivers/otlp"
)

// TestGRPCCompressedRequestsWritten: gzip and zstd messages of the three
// signals, which the OTLP services now decompress themselves, are written
// whole, and the budget is all returned.
func TestGRPCCompressedRequestsWritten(t *testing.T) {
	for _, enc := range []string{"gzip", "zstd"} {
		t.Run(enc, func(t *testing.T) {
			budget := pipeline.NewBudget(64<<20, time.Second)
			e := setupBudget(t, nil, budget)
			ctx := context.Background()
			c := grpc.UseCompressor(enc)
			if _, err := pmetricotlp.NewGRPCClient(e.conn).Export(ctx, pmetricotlp.NewExportRequestFromMetrics(gauges(5)), c); err != nil {
				t.Fatalf("metrics: %v", err)
			}
			if _, err := plogotlp.NewGRPCClient(e.conn).Export(ctx, plogotlp.NewExportRequestFromLogs(logs(4)), c); err != nil {
				t.Fatalf("logs: %v", err)
			}
			if _, err := ptraceotlp.NewGRPCClient(e.conn).Export(ctx, ptraceotlp.NewExportRequestFromTraces(traces(3)), c); err != nil {
				t.Fatalf("traces: %v", err)
			}
			for table, want := range map[string]int{"queue_depth": 5, "opentelemetry_logs": 4, "opentelemetry_traces": 3} {
				if n := e.srv.RowCount("public", table); n != want {
					t.Errorf("%s: %d rows, want %d; tables %v", table, n, want, e.srv.Tables("public"))
				}
			}
			if used := budget.Used(); used != 0 {
				t.Errorf("%d budget bytes still held", used)
			}
		})
	}
}

// bigLog is a logs request of one record whose body is n bytes of 'a': it
// compresses about a thousand times.
func bigLog(n int) plog.Logs {
	ld := logs(1)
	ld.ResourceLogs().At(0).ScopeLogs().At(0).LogRecords().At(0).Body().SetStr(strings.Repeat("a", n))
	return ld
}

// TestGRPCMessagesChargedToBudget: a message whose bytes, as sent or once
// decompressed, are more than one request may hold of the budget is
// refused with ResourceExhausted, as an HTTP body is with 413. Before, gRPC
// decompressed it outside the budget and the handler reserved at most what
// one request may hold, so both were written.
func TestGRPCMessagesChargedToBudget(t *testing.T) {
	budget := pipeline.NewBudget(1<<20, time.Second)
	e := setupBudget(t, func(c *otlp.Config) { c.MaxRequestBytes = 3 << 20 }, budget)
	client := plogotlp.NewGRPCClient(e.conn)
	req := plogotlp.NewExportRequestFromLogs(bigLog(2 << 20))
	for _, enc := range []string{"identity", "gzip"} {
		_, err := client.Export(context.Background(), req, grpc.UseCompressor(enc))
		if status.Code(err) != codes.ResourceExhausted || !strings.Contains(err.Error(), "memory budget") {
			t.Errorf("%s: %v, want ResourceExhausted naming the budget", enc, err)
		}
	}
	if n := e.srv.RowCount("public", "opentelemetry_logs"); n != 0 {
		t.Errorf("%d rows written", n)
	}
	// One that fits is written.
	if _, err := client.Export(context.Background(), plogotlp.NewExportRequestFromLogs(bigLog(64<<10)), grpc.UseCompressor("gzip")); err != nil {
		t.Fatal(err)
	}
	if n := e.srv.RowCount("public", "opentelemetry_logs"); n != 1 {
		t.Errorf("%d rows, want 1", n)
	}
	if used := budget.Used(); used != 0 {
		t.Errorf("%d budget bytes still held", used)
	}
}

// TestGRPCDecompressionStopsAtLimit: a gzip bomb (64 MiB of zeros, some
// 64 KiB compressed) is refused with ResourceExhausted at the message-size
// limit, as grpc-go refused it, but now without decompressing past it
// outside the budget; the budget is all returned.
func TestGRPCDecompressionStopsAtLimit(t *testing.T) {
	budget := pipeline.NewBudget(256<<20, time.Second)
	e := setupBudget(t, func(c *otlp.Config) { c.MaxRequestBytes = 1 << 20 }, budget)
	zeros := make(rawBytes, 64<<20)
	for _, enc := range []string{"gzip", "zstd"} {
		err := e.conn.Invoke(context.Background(), "/opentelemetry.proto.collector.logs.v1.LogsService/Export", &zeros, new(rawBytes), grpc.UseCompressor(enc))
		if status.Code(err) != codes.ResourceExhausted {
			t.Errorf("%s bomb: %v, want ResourceExhausted", enc, err)
		}
	}
	if used := budget.Used(); used != 0 {
		t.Errorf("%d budget bytes still held", used)
	}
}

// TestGRPCSlowMessagesCut: messages that stop arriving part-way hold a
// receive slot each while gRPC reads them; once the grace has passed they
// are cut, answered Canceled (grpc-go answers a failed read itself; OTLP
// senders retry Canceled), and their slots return, so more of them than there are slots cannot stop
// other senders for good. Without the cut, each call would wait for the
// sender for ever.
func TestGRPCSlowMessagesCut(t *testing.T) {
	budget := pipeline.NewBudget(64<<20, time.Second)
	e := setupBudget(t, func(c *otlp.Config) { c.BodyGrace, c.BudgetWait = 200*time.Millisecond, 5*time.Second }, budget)
	addr := strings.TrimPrefix(e.conn.Target(), "passthrough:///")
	var protos http.Protocols
	protos.SetUnencryptedHTTP2(true)
	client := &http.Client{Transport: &http.Transport{Protocols: &protos}}
	const senders = 6 // more than the receiver's slots (at least 4)
	type answer struct {
		code string
		err  error
	}
	answers := make(chan answer, senders)
	writers := make([]*io.PipeWriter, senders)
	for i := range senders {
		pr, pw := io.Pipe()
		writers[i] = pw
		go func() {
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			req, _ := http.NewRequestWithContext(ctx, http.MethodPost, "http://"+addr+"/opentelemetry.proto.collector.logs.v1.LogsService/Export", pr)
			req.Header.Set("Content-Type", "application/grpc")
			req.Header.Set("TE", "trailers")
			resp, err := client.Do(req)
			if err != nil {
				answers <- answer{err: err}
				return
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			code := resp.Header.Get("Grpc-Status")
			if code == "" {
				code = resp.Trailer.Get("Grpc-Status")
			}
			answers <- answer{code: code}
		}()
		// A message declaring 512 KiB, of which 100 bytes are sent.
		prefix := make([]byte, 5, 105)
		binary.BigEndian.PutUint32(prefix[1:], 512<<10)
		go func() { _, _ = pw.Write(append(prefix, make([]byte, 100)...)) }()
	}
	for range senders {
		a := <-answers
		if a.err != nil || a.code != "1" { // Canceled
			t.Errorf("stalled message: status %q, error %v; want Canceled", a.code, a.err)
		}
	}
	for _, pw := range writers {
		pw.Close()
	}
	if n := requestsCounted(t, e, "logs", "Canceled"); n != senders {
		t.Errorf("bridge_otlp_requests_total{status=Canceled} = %v, want %d: cut messages must be counted", n, senders)
	}
	if _, err := plogotlp.NewGRPCClient(e.conn).Export(context.Background(), plogotlp.NewExportRequestFromLogs(logs(2))); err != nil {
		t.Fatalf("ordinary request after the stalled ones: %v", err)
	}
	if n := e.srv.RowCount("public", "opentelemetry_logs"); n != 2 {
		t.Errorf("%d rows, want 2", n)
	}
}

// requestsCounted reads bridge_otlp_requests_total for a gRPC signal and
// status.
func requestsCounted(t *testing.T, e *env, signal, code string) float64 {
	t.Helper()
	fams, err := e.reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range fams {
		if f.GetName() != "bridge_otlp_requests_total" {
			continue
		}
		for _, m := range f.GetMetric() {
			got := map[string]string{}
			for _, l := range m.GetLabel() {
				got[l.GetName()] = l.GetValue()
			}
			if got["signal"] == signal && got["transport"] == "grpc" && got["status"] == code {
				return m.GetCounter().GetValue()
			}
		}
	}
	return 0
}

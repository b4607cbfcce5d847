package otlp_test

import (
	"context"
	"encoding/binary"
	"fmt"
	"io"
	"net/http"
	"runtime"
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

// TestGRPCSlowMessagesCut: messages that stop arriving part-way are cut
// once the transfer-rate rule's deadline passes (the grace, and with a
// rate, the bytes sent at it after the grace), answered Canceled (OTLP
// senders retry it) and counted, and what they held is freed: without
// the cut, each call would wait for its sender for ever.
func TestGRPCSlowMessagesCut(t *testing.T) {
	for _, rate := range []int64{0, 1 << 10} {
		t.Run(fmt.Sprint("rate=", rate), func(t *testing.T) {
			budget := pipeline.NewBudget(64<<20, time.Second)
			e := setupBudget(t, func(c *otlp.Config) {
				c.BodyGrace, c.MinBodyRate, c.BudgetWait = 200*time.Millisecond, rate, 5*time.Second
			}, budget)
			const senders = 6
			client := h2cClient()
			var calls []stalled
			for range senders {
				calls = append(calls, stallCall(client, e, 512<<10, 100))
			}
			for _, c := range calls {
				if a := <-c.answer; a != "1" { // Canceled
					t.Errorf("stalled message: status %q; want Canceled", a)
				}
				c.body.Close()
			}
			if n := requestsCounted(t, e, "logs", "Canceled"); n != senders {
				t.Errorf("bridge_otlp_requests_total{status=Canceled} = %v, want %d: cut messages must be counted", n, senders)
			}
			if used := budget.Used(); used != 0 {
				t.Errorf("%d budget bytes held after the cut", used)
			}
			if _, err := plogotlp.NewGRPCClient(e.conn).Export(context.Background(), plogotlp.NewExportRequestFromLogs(logs(2))); err != nil {
				t.Fatalf("ordinary request after the stalled ones: %v", err)
			}
			if n := e.srv.RowCount("public", "opentelemetry_logs"); n != 2 {
				t.Errorf("%d rows, want 2", n)
			}
		})
	}
}

// TestGRPCStalledStreamsDoNotLockOut: streams whose senders declare a
// message, send its first bytes and stall hold only a first read (each
// read is reserved as it is asked for, twice while grpc-go gathers it), so
// while sixteen of them wait, over one connection and over connections of
// their own, ordinary senders are answered at once, though what the
// sixteen declare is twice the budget. Each stalled stream holds its
// in-flight slot, as a slow HTTP body does, until the rate rule cuts it
// (a minute here).
func TestGRPCStalledStreamsDoNotLockOut(t *testing.T) {
	budget := pipeline.NewBudget(64<<20, time.Second)
	e := setupBudget(t, func(c *otlp.Config) {
		c.MaxRequestBytes, c.MaxDecompressedBytes = 8<<20, 8<<20
		c.BodyGrace, c.BudgetWait = time.Minute, 200*time.Millisecond
	}, budget)
	const stalledCalls, declared = 16, 8 << 20
	// A stalled message's first read is a 64 KiB step (ingress readStep),
	// reserved twice: less when ingress reuses a smaller pooled buffer
	// left by earlier tests. Two collections empty the pool (sync.Pool
	// keeps a victim cache for one), so the wait below can count them.
	const firstRead = 2 * 64 << 10
	runtime.GC()
	runtime.GC()
	shared := h2cClient()
	var calls []stalled
	for i := range stalledCalls {
		client := shared
		if i%2 == 1 {
			client = h2cClient()
		}
		calls = append(calls, stallCall(client, e, declared, 100))
	}
	waitUntil(t, func() bool { return budget.Used() >= stalledCalls*firstRead }, "the stalled messages were never read")
	if used := budget.Used(); used > stalledCalls*firstRead {
		t.Fatalf("%d budget bytes held by %d stalled messages of %d bytes, want at most a first read each (%d)", used, stalledCalls, declared, firstRead)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	for i := range 8 {
		if _, err := pmetricotlp.NewGRPCClient(e.conn).Export(ctx, pmetricotlp.NewExportRequestFromMetrics(gauges(3))); err != nil {
			t.Fatalf("metrics export %d beside the stalled streams: %v", i, err)
		}
		if _, err := plogotlp.NewGRPCClient(e.conn).Export(ctx, plogotlp.NewExportRequestFromLogs(logs(2))); err != nil {
			t.Fatalf("logs export %d beside the stalled streams: %v", i, err)
		}
	}
	if n := e.srv.RowCount("public", "opentelemetry_logs"); n != 16 {
		t.Errorf("%d log rows, want 16", n)
	}
	for _, c := range calls {
		c.body.CloseWithError(io.ErrUnexpectedEOF)
		if a := <-c.answer; a == "0" || a == "" {
			t.Errorf("stalled message ended short: status %q, want an error", a)
		}
	}
	// A client whose body fails may see its call end before the handler
	// has let go of the message.
	waitUntil(t, func() bool { return budget.Used() == 0 }, "budget bytes held after the stalled streams ended")
}

// waitUntil waits for cond, failing with what after 20 s.
func waitUntil(t *testing.T, cond func() bool, what string) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	tick := time.NewTicker(time.Millisecond)
	defer tick.Stop()
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal(what)
		}
		<-tick.C
	}
}

// stalled is an Export call whose message is sent by hand: body is the
// rest of the request, answer its grpc-status once the call ends.
type stalled struct {
	body   *io.PipeWriter
	answer chan string
}

// h2cClient is an HTTP/2 client without TLS with connections of its own.
func h2cClient() *http.Client {
	var protos http.Protocols
	protos.SetUnencryptedHTTP2(true)
	return &http.Client{Transport: &http.Transport{Protocols: &protos}}
}

// stallCall starts a logs Export whose message declares declared bytes
// and sends sent of them, then nothing until the caller writes or closes
// the body.
func stallCall(client *http.Client, e *env, declared, sent int) stalled {
	addr := strings.TrimPrefix(e.conn.Target(), "passthrough:///")
	pr, pw := io.Pipe()
	c := stalled{body: pw, answer: make(chan string, 1)}
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
		defer cancel()
		req, _ := http.NewRequestWithContext(ctx, http.MethodPost, "http://"+addr+"/opentelemetry.proto.collector.logs.v1.LogsService/Export", pr)
		req.Header.Set("Content-Type", "application/grpc")
		req.Header.Set("TE", "trailers")
		resp, err := client.Do(req)
		if err != nil {
			c.answer <- "error: " + err.Error()
			return
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		code := resp.Header.Get("Grpc-Status")
		if code == "" {
			code = resp.Trailer.Get("Grpc-Status")
		}
		c.answer <- code
	}()
	prefix := binary.BigEndian.AppendUint32([]byte{0}, uint32(declared))
	go func() { _, _ = pw.Write(append(prefix, make([]byte, sent)...)) }()
	return c
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

package otlp_test

import (
	"bytes"
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/plog/plogotlp"
	"go.opentelemetry.io/collector/pdata/pmetric/pmetricotlp"
	"go.opentelemetry.io/collector/pdata/ptrace/ptraceotlp"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/protobuf/encoding/protowire"

	"github.com/greptime-bridge/greptime-bridge/receivers/dbselect"
	"github.com/greptime-bridge/greptime-bridge/receivers/otlp"
	"github.com/greptime-bridge/greptime-bridge/translate"
	"github.com/greptime-bridge/greptime-bridge/writer/errs"
)

// keeper is a SourceConsumer (as the disk queue is) remembering what each
// request handed it: its batches, printed, and its source.
type keeper struct {
	mu   sync.Mutex
	outs []string
	srcs []*translate.Source
}

func (k *keeper) Consume(ctx context.Context, out *translate.Output) error {
	return k.ConsumeSource(ctx, out, nil)
}

func (k *keeper) ConsumeSource(_ context.Context, out *translate.Output, src *translate.Source) error {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.outs = append(k.outs, dumpOutput(out))
	if src != nil {
		src = &translate.Source{Signal: src.Signal, Options: src.Options, Payload: append([]byte(nil), src.Payload...)}
	}
	k.srcs = append(k.srcs, src)
	return nil
}

// dumpOutput prints every batch: where it goes, its hints and DDL, its
// columns and every value.
func dumpOutput(out *translate.Output) string {
	var b strings.Builder
	for _, bt := range out.Batches {
		if bt.Rows() == 0 {
			continue
		}
		b.WriteString(bt.Database + "." + bt.Table + " " + bt.Hints.Key() + " " + bt.CreateSQL + " " + strings.Join(bt.AlterSQL, ";") + "\n")
		for _, c := range bt.Columns() {
			b.WriteString(" " + c.Name + "/" + c.Type.String() + "/" + c.Semantic.String() + ":")
			for i := range bt.Rows() {
				b.WriteString(" " + c.Value(i).String())
			}
			b.WriteString("\n")
		}
	}
	return b.String()
}

// TestQueuedRequestTranslatesAgainAsItArrived sends logs (protobuf and
// JSON, with table, extract-key, hint and database headers) and traces
// to a receiver whose consumer keeps sources: each logs and traces request
// comes with one, a metrics request without, and translating a source
// again gives exactly the batches the request gave.
func TestQueuedRequestTranslatesAgainAsItArrived(t *testing.T) {
	k := &keeper{}
	r := otlp.New(otlp.Config{MaxRequestBytes: 1 << 20, MaxDecompressedBytes: 4 << 20}, k, nil,
		&dbselect.Selector{Default: "public"}, nil, otlp.NewMetrics(prometheus.NewRegistry()), nil)
	mux := http.NewServeMux()
	r.Register(mux)
	hs := httptest.NewServer(mux)
	defer hs.Close()

	withKeys := func(n int) plog.Logs {
		ld := logs(n)
		recs := ld.ResourceLogs().At(0).ScopeLogs().At(0).LogRecords()
		for i := range recs.Len() {
			recs.At(i).Attributes().PutStr("host", "web-1")
			recs.At(i).Attributes().PutInt("k", int64(i))
		}
		return ld
	}
	logsPB, _ := plogotlp.NewExportRequestFromLogs(withKeys(3)).MarshalProto()
	logsJSON, _ := plogotlp.NewExportRequestFromLogs(withKeys(2)).MarshalJSON()
	tracesPB, _ := ptraceotlp.NewExportRequestFromTraces(traces(2)).MarshalProto()
	metricsPB, _ := pmetricotlp.NewExportRequestFromMetrics(gauges(2)).MarshalProto()
	hdr := map[string]string{
		"X-Greptime-Log-Table-Name": "app_logs", "X-Greptime-Log-Extract-Keys": "host,k",
		"X-Greptime-Hints": "ttl=7d, append_mode=true", "X-Greptime-DB-Name": "other",
	}
	for _, req := range []struct {
		path, ct string
		body     []byte
		hdr      map[string]string
	}{
		{"/v1/logs", "application/x-protobuf", logsPB, hdr},
		{"/v1/logs", "application/json", logsJSON, hdr},
		{"/v1/traces", "application/x-protobuf", tracesPB, map[string]string{"X-Greptime-Trace-Table-Name": "spans"}},
		{"/v1/metrics", "application/x-protobuf", metricsPB, nil},
	} {
		if resp, body := post(t, hs.URL+req.path, req.ct, "", req.body, req.hdr); resp.StatusCode != http.StatusOK {
			t.Fatalf("%s: %d %s", req.path, resp.StatusCode, body)
		}
	}
	if len(k.srcs) != 4 || k.srcs[3] != nil {
		t.Fatalf("sources %v: want one per logs and traces request, none for metrics", k.srcs)
	}
	for i, src := range k.srcs[:3] {
		if src == nil {
			t.Fatalf("request %d came without its source", i)
		}
		if i != 1 && !bytes.Equal(src.Payload, []any{logsPB, nil, tracesPB}[i].([]byte)) {
			t.Errorf("request %d: the protobuf source is not the body as sent", i)
		}
		var out translate.Output
		if err := r.Retranslate(context.Background(), src, &out); err != nil {
			t.Fatalf("request %d: %v", i, err)
		}
		if got := dumpOutput(&out); got != k.outs[i] {
			t.Errorf("request %d translated again differs:\n%s\nwant\n%s", i, got, k.outs[i])
		}
	}
	if !strings.Contains(k.outs[0], "other.app_logs") || !strings.Contains(k.outs[1], " k/INT64/TAG: INT64(0) INT64(1)\n") || !strings.Contains(k.outs[2], "public.spans") {
		t.Errorf("the headers did not shape the requests:\n%s\n%s", k.outs[0], k.outs[2])
	}

	// A source this receiver did not write is refused for good.
	for _, bad := range []*translate.Source{
		{Signal: "logs", Options: []translate.SourceOption{{Name: "from_the_future", Value: "1"}}},
		{Signal: "profiles"},
		{Signal: "traces", Payload: []byte{0xff, 0xff}},
	} {
		var out translate.Output
		if err := r.Retranslate(context.Background(), bad, &out); !errs.IsPermanent(err) || errors.Is(err, context.Canceled) {
			t.Errorf("source %+v: %v, want a permanent error", bad, err)
		}
	}
}

// TestGRPCTracesSourceIsTheMessage: a traces request over gRPC reaches the
// disk queue's source as the message's bytes, not encoded again from pdata
// (which would drop a field it does not know, such as the one appended
// here), and translates again as it arrived.
func TestGRPCTracesSourceIsTheMessage(t *testing.T) {
	k := &keeper{}
	r := otlp.New(otlp.Config{MaxRequestBytes: 1 << 20, MaxDecompressedBytes: 4 << 20}, k, nil,
		&dbselect.Selector{Default: "public"}, nil, otlp.NewMetrics(prometheus.NewRegistry()), nil)
	gs := grpc.NewServer(r.GRPCServerOptions()...)
	r.RegisterGRPC(gs)
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { defer close(done); _ = gs.Serve(lis) }()
	conn, err := grpc.NewClient(lis.Addr().String(), grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpc.WithDefaultCallOptions(grpc.ForceCodecV2(benchBytesCodec{})))
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = conn.Close(); gs.Stop(); <-done }()
	msg, _ := ptraceotlp.NewExportRequestFromTraces(traces(2)).MarshalProto()
	msg = protowire.AppendVarint(protowire.AppendTag(msg, 100, protowire.VarintType), 7)
	var resp []byte
	if err := conn.Invoke(context.Background(), "/opentelemetry.proto.collector.trace.v1.TraceService/Export", &msg, &resp, grpc.UseCompressor("gzip")); err != nil {
		t.Fatal(err)
	}
	if len(k.srcs) != 1 || k.srcs[0] == nil || !bytes.Equal(k.srcs[0].Payload, msg) {
		t.Fatalf("source %v, want the message as sent", k.srcs)
	}
	var out translate.Output
	if err := r.Retranslate(context.Background(), k.srcs[0], &out); err != nil {
		t.Fatal(err)
	}
	if got := dumpOutput(&out); got != k.outs[0] || !strings.Contains(got, "opentelemetry_traces") {
		t.Errorf("translated again:\n%s\nwant\n%s", got, k.outs[0])
	}
}

package otlp_test

import (
	"context"
	"net"
	"strconv"
	"syscall"
	"testing"
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/plog/plogotlp"
	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.opentelemetry.io/collector/pdata/pmetric/pmetricotlp"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/mem"

	"github.com/greptime-bridge/greptime-bridge/pipeline"
	"github.com/greptime-bridge/greptime-bridge/receivers/dbselect"
	"github.com/greptime-bridge/greptime-bridge/receivers/otlp"
)

// benchBytesCodec sends prepared message bytes, so the client's encoding
// is not measured.
type benchBytesCodec struct{}

func (benchBytesCodec) Name() string { return "proto" }
func (benchBytesCodec) Marshal(v any) (mem.BufferSlice, error) {
	return mem.BufferSlice{mem.SliceBuffer(*v.(*[]byte))}, nil
}

func (benchBytesCodec) Unmarshal(data mem.BufferSlice, v any) error {
	*v.(*[]byte) = data.Materialize()
	return nil
}

// processCPU returns the process's user and system CPU time.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// benchGRPC sends msg to method over loopback gRPC, through the server
// options and services the bridge uses and the default memory budget, to a
// consumer that only counts rows; it reports time per item.
func benchGRPC(b *testing.B, method string, msg []byte, items int, enc string) {
	cons := &countingConsumer{}
	budget := pipeline.NewBudget(512<<20, 5*time.Second)
	r := otlp.New(otlp.Config{MaxRequestBytes: 32 << 20}, cons, budget, &dbselect.Selector{Default: "public"}, nil, nil, nil)
	gs := grpc.NewServer(append(r.GRPCServerOptions(), grpc.MaxRecvMsgSize(32<<20))...)
	r.RegisterGRPC(gs)
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	done := make(chan struct{})
	go func() { defer close(done); _ = gs.Serve(lis) }()
	conn, err := grpc.NewClient(lis.Addr().String(), grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpc.WithDefaultCallOptions(grpc.ForceCodecV2(benchBytesCodec{}), grpc.UseCompressor(enc)))
	if err != nil {
		b.Fatal(err)
	}
	defer func() { _ = conn.Close(); gs.Stop(); <-done }()
	b.ReportAllocs()
	cpu0 := processCPU()
	for b.Loop() {
		var resp []byte
		if err := conn.Invoke(context.Background(), method, &msg, &resp); err != nil {
			b.Fatal(err)
		}
	}
	// CPU time, client and server together: on a shared machine it moves
	// far less than the elapsed time.
	b.ReportMetric(float64((processCPU()-cpu0).Nanoseconds())/float64(b.N)/float64(items), "cpu-ns/item")
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(items), "ns/item")
}

// BenchmarkGRPCSumRequest: one telemetrygen-shaped request (1,000 Sum
// points, 12 attributes; bench/compare.sh otlp-sum) over gRPC, as sent and
// gzip-compressed.
func BenchmarkGRPCSumRequest(b *testing.B) {
	md := pmetric.NewMetrics()
	rm := md.ResourceMetrics().AppendEmpty()
	rm.Resource().Attributes().PutStr("service.name", "telemetrygen")
	mt := rm.ScopeMetrics().AppendEmpty().Metrics().AppendEmpty()
	mt.SetName("gen")
	sum := mt.SetEmptySum()
	sum.SetIsMonotonic(true)
	sum.SetAggregationTemporality(pmetric.AggregationTemporalityCumulative)
	for i := range 1000 {
		dp := sum.DataPoints().AppendEmpty()
		dp.SetTimestamp(pcommon.Timestamp(1_700_000_000_000_000_000 + int64(i)))
		dp.SetIntValue(int64(i))
		a := dp.Attributes()
		for k := 1; k <= 11; k++ {
			a.PutStr("k"+strconv.Itoa(k), "value-of-k"+strconv.Itoa(k))
		}
		a.PutInt("series", int64(i))
	}
	msg, err := pmetricotlp.NewExportRequestFromMetrics(md).MarshalProto()
	if err != nil {
		b.Fatal(err)
	}
	for _, enc := range []string{"identity", "gzip"} {
		b.Run(enc, func(b *testing.B) {
			benchGRPC(b, "/opentelemetry.proto.collector.metrics.v1.MetricsService/Export", msg, 1000, enc)
		})
	}
}

// BenchmarkGRPCLogsRequest: 1,000 log records of 12 attributes
// (bench/compare.sh otlp-logs) over gRPC, as sent and gzip-compressed.
func BenchmarkGRPCLogsRequest(b *testing.B) {
	ld := plog.NewLogs()
	rl := ld.ResourceLogs().AppendEmpty()
	rl.Resource().Attributes().PutStr("service.name", "telemetrygen")
	sl := rl.ScopeLogs().AppendEmpty()
	for i := range 1000 {
		lr := sl.LogRecords().AppendEmpty()
		lr.SetTimestamp(pcommon.Timestamp(1_700_000_000_000_000_000 + int64(i)))
		lr.Body().SetStr("the quick brown fox jumps over the lazy dog " + strconv.Itoa(i))
		lr.SetSeverityText("INFO")
		a := lr.Attributes()
		for k := 1; k <= 11; k++ {
			a.PutStr("k"+strconv.Itoa(k), "value-of-k"+strconv.Itoa(k))
		}
		a.PutInt("series", int64(i))
	}
	msg, err := plogotlp.NewExportRequestFromLogs(ld).MarshalProto()
	if err != nil {
		b.Fatal(err)
	}
	for _, enc := range []string{"identity", "gzip"} {
		b.Run(enc, func(b *testing.B) {
			benchGRPC(b, "/opentelemetry.proto.collector.logs.v1.LogsService/Export", msg, 1000, enc)
		})
	}
}

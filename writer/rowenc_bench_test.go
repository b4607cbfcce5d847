package writer

import (
	"fmt"
	"testing"

	gpb "github.com/GreptimeTeam/greptime-proto/go/greptime/v1"
	"google.golang.org/protobuf/proto"

	"github.com/greptime-bridge/greptime-bridge/writer/table"
)

// promTags are the tag columns of a Prometheus-shaped table: the labels a
// Kubernetes scrape attaches, in translate/prom's layout (labels become
// STRING tags, the sample greptime_value, its time greptime_timestamp).
var promTags = []string{"cluster", "container", "endpoint", "instance", "job", "namespace", "pod", "service"}

// promFlush is one flush of Prometheus remote-write traffic as the
// pipeline hands it to Write: tables metric tables of rows series each.
func promFlush(tables, rows int) []*table.Batch {
	out := make([]*table.Batch, tables)
	for t := range out {
		s := table.NewSchema(fmt.Sprintf("node_metric_%d_total", t)).
			Timestamp("greptime_timestamp", table.TimestampMillisecond).Field("greptime_value", table.Float64)
		for _, k := range promTags {
			s.Tag(k, table.String)
		}
		b := s.NewBatch("")
		for r := 0; r < rows; r++ {
			cols := b.Columns()
			cols[0].AppendInt64(1_764_000_000_000 + int64(r)*15_000)
			cols[1].AppendFloat64(float64(r*t) * 1.25)
			vals := [...]string{
				"prod-eu-west-1", "node-exporter", "https-metrics",
				fmt.Sprintf("10.42.%d.%d:9100", t%8, r), "node-exporter", "monitoring",
				fmt.Sprintf("node-exporter-%05x", r*7919), "node-exporter",
			}
			for i, v := range vals {
				cols[2+i].AppendString(v)
			}
			if err := b.EndRow(); err != nil {
				panic(err)
			}
		}
		out[t] = b
	}
	return out
}

// BenchmarkEncodeRowInserts compares the two ways of turning a
// Prometheus-shaped flush (100 tables × 20 rows, 10 columns) into request
// bytes: the reference builder plus protobuf-go's marshalling, which is
// what gRPC did before, and the wire encoder. Both include validation.
//
//	go test -run '^$' -bench EncodeRowInserts -count 6 ./writer/
func BenchmarkEncodeRowInserts(b *testing.B) {
	batches := promFlush(100, 20)
	h := &gpb.RequestHeader{Dbname: "public"}
	rows := 0
	for _, bt := range batches {
		rows += bt.Rows()
	}
	b.Run("proto", func(b *testing.B) {
		b.ReportAllocs()
		defer reportCPU(b, rows)()
		var pool arenaPool
		for b.Loop() {
			a := pool.get()
			ins := &gpb.RowInsertRequests{}
			for _, bt := range batches {
				r, err := convertBatch(bt, a)
				if err != nil {
					b.Fatal(err)
				}
				ins.Inserts = append(ins.Inserts, r)
			}
			req := &gpb.GreptimeRequest{Header: h, Request: &gpb.GreptimeRequest_RowInserts{RowInserts: ins}}
			if _, err := proto.Marshal(req); err != nil {
				b.Fatal(err)
			}
			pool.put(a)
		}
	})
	b.Run("wire", func(b *testing.B) {
		b.ReportAllocs()
		defer reportCPU(b, rows)()
		var pool encoderPool
		for b.Loop() {
			for _, bt := range batches {
				if err := validateBatch(bt); err != nil {
					b.Fatal(err)
				}
			}
			encodeFromPool(b, &pool, h, batches)
		}
	})
}

// reportCPU starts measuring the process's CPU time; the function it
// returns reports it per row (cpu-ns/row) and the wall time per row.
func reportCPU(b *testing.B, rowsPerOp int) func() {
	start := processCPU()
	return func() {
		n := float64(b.N * rowsPerOp)
		b.ReportMetric(float64(processCPU()-start)/n, "cpu-ns/row")
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/n, "ns/row")
	}
}

// BenchmarkEncodeLargeFlush encodes flushes larger than maxPooledBody (as
// OTLP logs flushes are) through the encoder pool, as Client does.
func BenchmarkEncodeLargeFlush(b *testing.B) {
	h := &gpb.RequestHeader{Dbname: "public"}
	batches := []*table.Batch{benchBatch(30_000)}
	b.ReportAllocs()
	var pool encoderPool
	for b.Loop() {
		b.SetBytes(int64(encodeFromPool(b, &pool, h, batches)))
	}
}

// logsFlush is one flush of OTLP logs as the bridge's translator lays them
// out (translate/otlp logs.go: opentelemetry_logs), rows records of
// cmd/loadgen's shape: IDs in hex, twelve attributes as JSON text, the
// resource's six as JSON text repeated on every row.
func logsFlush(rows int) []*table.Batch {
	s := table.NewSchema("opentelemetry_logs").Timestamp("timestamp", table.TimestampNanosecond).
		Field("trace_id", table.String).Field("span_id", table.String).
		Field("severity_text", table.String).Field("severity_number", table.Int32).
		Field("body", table.String).JSON("log_attributes").Field("trace_flags", table.Uint32).
		Tag("scope_name", table.String).Field("scope_version", table.String).
		JSON("scope_attributes").Field("scope_schema_url", table.String).
		JSON("resource_attributes").Field("resource_schema_url", table.String)
	b := s.NewBatch("public")
	res := `{"host.name":"ip-10-0-0-7.ec2.internal","k8s.deployment.name":"checkout","k8s.namespace.name":"shop","k8s.pod.name":"checkout-2f1c3b4a-00007","service.instance.id":"9e3779b1-0007","service.name":"checkout"}`
	for r := 0; r < rows; r++ {
		cols := b.Columns()
		cols[0].AppendInt64(1_764_000_000_000_000_000 + int64(r))
		cols[1].AppendString(fmt.Sprintf("%032x", r*2654435761))
		cols[2].AppendString(fmt.Sprintf("%016x", r*40503))
		cols[3].AppendString("INFO")
		cols[4].AppendInt64(9)
		cols[5].AppendString(fmt.Sprintf("GET /api/v1/resource/%d served in %d ms", r, r%97))
		cols[6].AppendString(fmt.Sprintf(`{"attr_10":"value-%d","attr_11":"value-%d","attr_6":"value-%d","attr_7":"value-%d","attr_8":"value-%d","attr_9":"value-%d","error":false,"http.request.method":"GET","http.response.status_code":200,"http.route":"/api/v1/resource/%d","network.peer.address":"10.0.%d.%d","server.address":"api.internal"}`,
			r%13, (r+1)%13, (r+2)%13, (r+3)%13, (r+4)%13, (r+5)%13, r, r>>8&255, r&255))
		cols[7].AppendUint64(0)
		cols[8].AppendString("go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp")
		cols[9].AppendString("0.63.0")
		cols[10].AppendString("{}")
		cols[11].AppendString("")
		cols[12].AppendString(res)
		cols[13].AppendString("")
		if err := b.EndRow(); err != nil {
			panic(err)
		}
	}
	return []*table.Batch{b}
}

// BenchmarkEncodeLogsFlush encodes a flush of 10,000 log records through
// the encoder pool, as Client does.
func BenchmarkEncodeLogsFlush(b *testing.B) {
	h := &gpb.RequestHeader{Dbname: "public"}
	batches := logsFlush(10_000)
	b.ReportAllocs()
	defer reportCPU(b, batches[0].Rows())()
	var pool encoderPool
	for b.Loop() {
		encodeFromPool(b, &pool, h, batches)
	}
}

// encodeFromPool encodes batches once with an encoder of pool, as Client
// does, and returns the request's size.
func encodeFromPool(b *testing.B, pool *encoderPool, h *gpb.RequestHeader, batches []*table.Batch) int {
	e := pool.get()
	req, err := e.encode(h, batches)
	if err != nil {
		b.Fatal(err)
	}
	n := req.buf.Len()
	req.release()
	pool.put(e)
	return n
}

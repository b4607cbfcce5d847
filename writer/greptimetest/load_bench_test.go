package greptimetest

import (
	"fmt"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
	"unicode/utf8"

	gpb "github.com/GreptimeTeam/greptime-proto/go/greptime/v1"
	"google.golang.org/protobuf/proto"
)

// promRequest builds the Prometheus-shaped row insert the bridge sends for
// one remote-write request: tables metric tables of rows rows each, with
// the time index, a float64 value and 8 string tags.
func promRequest(tables, rows int) *gpb.GreptimeRequest {
	var ins []*gpb.RowInsertRequest
	for t := range tables {
		schema := cols(ts("greptime_timestamp"), field("greptime_value", gpb.ColumnDataType_FLOAT64))
		for l := range 8 {
			schema = append(schema, tag("label_"+strconv.Itoa(l), gpb.ColumnDataType_STRING))
		}
		rs := make([]*gpb.Row, rows)
		for r := range rs {
			vals := []*gpb.Value{tv(int64(1700000000000 + r)), fv(float64(r))}
			for l := range 8 {
				vals = append(vals, sv(fmt.Sprintf("value-%d-%d", l, (r*7+l)%50)))
			}
			rs[r] = row(vals...)
		}
		ins = append(ins, req("metric_"+strconv.Itoa(t), schema, rs...))
	}
	return &gpb.GreptimeRequest{
		Header:  &gpb.RequestHeader{Dbname: "public"},
		Request: &gpb.GreptimeRequest_RowInserts{RowInserts: &gpb.RowInsertRequests{Inserts: ins}},
	}
}

// BenchmarkPromShapedInsert measures the server's CPU per row for the
// Prometheus-shaped request (100 tables × 20 rows, 10 columns), from the
// request's wire bytes to the answer, without the gRPC transport: proto
// decoding and the handler in the normal and count-only modes, the walk
// and the same handler in the load mode.
func BenchmarkPromShapedInsert(b *testing.B) {
	const tables, rows = 100, 20
	data, err := proto.Marshal(promRequest(tables, rows))
	if err != nil {
		b.Fatal(err)
	}
	// The bridge's default writes Prometheus metrics to metric-engine
	// logical tables (the physical_table hint); "-metric" measures that.
	for _, mode := range []string{"normal", "count-only", "load", "normal-metric", "count-only-metric", "load-metric"} {
		b.Run(mode, func(b *testing.B) {
			base, metric := strings.CutSuffix(mode, "-metric")
			h := hints{}
			if metric {
				h["physical_table"] = "greptime_physical_table"
			}
			s := newServer(Options{CountOnly: base == "count-only", Load: base == "load"})
			b.ReportAllocs()
			cpu0 := processCPU(b)
			for b.Loop() {
				if err := serveBytes(s, data, h); err != nil {
					b.Fatal(err)
				}
			}
			reportPerRow(b, processCPU(b)-cpu0, tables*rows)
		})
	}
}

// serveBytes serves a request's wire bytes as the server does after gRPC
// hands them over: decoded in full then handled, or walked in load mode.
func serveBytes(s *Server, data []byte, h hints) error {
	if s.opts.Load {
		lr := getLoadRequest()
		defer putLoadRequest(lr)
		if err := lr.decode(data); err != nil {
			return err
		}
		_, err := s.handleLoad(lr, h)
		return err
	}
	var req gpb.GreptimeRequest
	if err := proto.Unmarshal(data, &req); err != nil {
		return err
	}
	_, err := s.handleRequest(&req, h)
	return err
}

// processCPU returns the process's user and system CPU time. On a shared
// machine it is a steadier figure than wall time: it counts the work done,
// not the time spent waiting for a core.
func processCPU(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// reportPerRow reports CPU and allocations per row, rows per iteration.
func reportPerRow(b *testing.B, cpu time.Duration, rows int) {
	n := float64(b.N * rows)
	b.ReportMetric(float64(cpu.Nanoseconds())/n, "cpu-ns/row")
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/n, "ns/row")
}

// BenchmarkPromShapedHandle sends the Prometheus-shaped request over
// loopback gRPC to a server in each mode. The client sends pre-encoded
// bytes (rawCodec), so the process CPU per row is the server's plus
// gRPC's client side, which is the same in every mode.
func BenchmarkPromShapedHandle(b *testing.B) {
	const tables, rows = 100, 20
	data, err := proto.Marshal(promRequest(tables, rows))
	if err != nil {
		b.Fatal(err)
	}
	for _, mode := range []string{"normal", "count-only", "load"} {
		b.Run(mode, func(b *testing.B) {
			c := dial(b, StartT(b, Options{CountOnly: mode != "normal", Load: mode == "load"}))
			b.ReportAllocs()
			cpu0 := processCPU(b)
			for b.Loop() {
				if r := c.handleRaw(data); r.err != nil || r.rows != tables*rows {
					b.Fatalf("%d rows, %v", r.rows, r.err)
				}
			}
			reportPerRow(b, processCPU(b)-cpu0, tables*rows)
		})
	}
}

// BenchmarkLoadWalk measures the walk alone on the Prometheus-shaped
// request.
func BenchmarkLoadWalk(b *testing.B) {
	const tables, rows = 100, 20
	data, err := proto.Marshal(promRequest(tables, rows))
	if err != nil {
		b.Fatal(err)
	}
	lr := getLoadRequest()
	b.ReportAllocs()
	cpu0 := processCPU(b)
	for b.Loop() {
		if err := lr.decode(data); err != nil {
			b.Fatal(err)
		}
	}
	reportPerRow(b, processCPU(b)-cpu0, tables*rows)
}

// BenchmarkValidUTF8 compares the label-value fast path with utf8.Valid.
func BenchmarkValidUTF8(b *testing.B) {
	vals := [][]byte{[]byte("value-3-17"), []byte("node"), []byte("instance-12:9100"), []byte("us-east-1a")}
	for _, f := range []struct {
		name string
		fn   func([]byte) bool
	}{{"utf8.Valid", utf8.Valid}, {"validUTF8", validUTF8}} {
		b.Run(f.name, func(b *testing.B) {
			for b.Loop() {
				for _, v := range vals {
					if !f.fn(v) {
						b.Fatal("invalid")
					}
				}
			}
		})
	}
}

package greptimetest

import (
	"fmt"
	"strconv"
	"testing"

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
// decoding and the handler in the normal and count-only modes.
func BenchmarkPromShapedInsert(b *testing.B) {
	const tables, rows = 100, 20
	data, err := proto.Marshal(promRequest(tables, rows))
	if err != nil {
		b.Fatal(err)
	}
	for _, mode := range []string{"normal", "count-only"} {
		b.Run(mode, func(b *testing.B) {
			s := &Server{opts: Options{CountOnly: mode == "count-only"}, autoCreate: true, dbs: map[dbKey]*database{}, nextTableID: minUserTableID - 1}
			s.dbs[dbKey{defaultCatalog, defaultSchema}] = &database{tables: map[string]*tableState{}}
			b.ReportAllocs()
			for b.Loop() {
				var req gpb.GreptimeRequest
				if err := proto.Unmarshal(data, &req); err != nil {
					b.Fatal(err)
				}
				if _, err := s.handleRequest(&req, hints{}); err != nil {
					b.Fatal(err)
				}
			}
			perRow := float64(b.Elapsed().Nanoseconds()) / float64(b.N*tables*rows)
			b.ReportMetric(perRow, "ns/row")
		})
	}
}

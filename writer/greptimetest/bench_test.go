package greptimetest

import (
	"context"
	"fmt"
	"strconv"
	"testing"

	gpb "github.com/GreptimeTeam/greptime-proto/go/greptime/v1"
)

// wideRequest builds a 20-column request: 4 tags, the time index and 15
// FLOAT64/INT64 fields.
func wideRequest(rows int) *gpb.RowInsertRequests {
	schema := cols(tag("t0", gpb.ColumnDataType_STRING), tag("t1", gpb.ColumnDataType_STRING),
		tag("t2", gpb.ColumnDataType_STRING), tag("t3", gpb.ColumnDataType_STRING), ts("ts"))
	for i := 0; i < 15; i++ {
		if i%2 == 0 {
			schema = append(schema, field("f"+strconv.Itoa(i), gpb.ColumnDataType_FLOAT64))
		} else {
			schema = append(schema, field("f"+strconv.Itoa(i), gpb.ColumnDataType_INT64))
		}
	}
	rs := make([]*gpb.Row, rows)
	for r := range rs {
		vals := []*gpb.Value{sv("host-" + strconv.Itoa(r%100)), sv("dc1"), sv("rack" + strconv.Itoa(r%7)), sv("svc"), tv(int64(r))}
		for i := 0; i < 15; i++ {
			if i%2 == 0 {
				vals = append(vals, fv(float64(r*i)))
			} else {
				vals = append(vals, iv(int64(r*i)))
			}
		}
		rs[r] = row(vals...)
	}
	return &gpb.RowInsertRequests{Inserts: []*gpb.RowInsertRequest{req("wide", schema, rs...)}}
}

// BenchmarkServerRowInserts measures the server's validation and storage
// of a 20-column request, without gRPC.
func BenchmarkServerRowInserts(b *testing.B) {
	for _, rows := range []int{1000, 10000} {
		for _, countOnly := range []bool{false, true} {
			b.Run(fmt.Sprintf("rows=%d/count-only=%v", rows, countOnly), func(b *testing.B) {
				s := &Server{opts: Options{CountOnly: countOnly}, autoCreate: true, dbs: map[dbKey]*database{}, nextTableID: minUserTableID - 1}
				s.dbs[dbKey{defaultCatalog, defaultSchema}] = &database{tables: map[string]*tableState{}}
				reqs := wideRequest(rows)
				b.ReportAllocs()
				for b.Loop() {
					if _, err := s.rowInserts(dbKey{defaultCatalog, defaultSchema}, hints{}, reqs); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(float64(rows)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
			})
		}
	}
}

// BenchmarkHandleRowInserts measures a full Handle call over loopback gRPC.
func BenchmarkHandleRowInserts(b *testing.B) {
	for _, rows := range []int{1000, 10000} {
		b.Run(fmt.Sprintf("rows=%d", rows), func(b *testing.B) {
			s := StartT(b, Options{CountOnly: true})
			c := dial(b, s)
			req := &gpb.GreptimeRequest{Request: &gpb.GreptimeRequest_RowInserts{RowInserts: wideRequest(rows)}}
			b.ReportAllocs()
			for b.Loop() {
				if _, err := c.db.Handle(context.Background(), req); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(rows)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
		})
	}
}

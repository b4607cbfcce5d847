package writer

import (
	"fmt"
	"testing"

	gpb "github.com/GreptimeTeam/greptime-proto/go/greptime/v1"

	"github.com/greptime-bridge/greptime-bridge/writer/table"
)

// depthFlush is a node-exporter-shaped flush as the bridge's pipeline
// hands it to Write: tables tables, each the runs of parts requests of
// two rows (a request's share of a table, kept as its own batch), so a
// table carries 2 × parts rows.
func depthFlush(tables, parts int) []*table.Batch {
	shares := make([][]*table.Batch, parts)
	for k := range shares {
		shares[k] = promFlush(tables, 2)
	}
	out := make([]*table.Batch, 0, tables*parts)
	for t := range tables {
		for k := range parts {
			out = append(out, shares[k][t])
		}
	}
	return out
}

// BenchmarkWriteDepth is the writer's CPU per row (cpu-ns/row) for a
// flush of 250 node-exporter-shaped tables by rows per table, the
// coalescing depth: validation, grouping and encoding, Write without the
// network. Each depth is sent two ways: as the pipeline hands it over, a
// batch per request's share of two rows (shares=N), and as one batch per
// table (shares=1). On a shared 2-core machine (load average 9 to 12) the
// shares cost 1,000 to 1,700 ns a row at every depth from 2 to 32 rows,
// one batch per table 450 ns at 8 rows and 300 at 32: what the writer
// spends per table is small beside what it spends per share (validation
// of its columns, the encoder's column set-up, a cold cache line per
// column).
//
//	go test -run '^$' -bench WriteDepth -count 6 ./writer/
func BenchmarkWriteDepth(b *testing.B) {
	h := &gpb.RequestHeader{Dbname: "public"}
	type shape struct {
		name    string
		batches []*table.Batch
	}
	var shapes []shape
	for _, parts := range []int{1, 4, 16} {
		shapes = append(shapes,
			shape{fmt.Sprintf("rows=%d/shares=%d", 2*parts, parts), depthFlush(250, parts)},
			// The same rows, each table's in one batch: the cost of
			// keeping the requests' shares apart.
			shape{fmt.Sprintf("rows=%d/shares=1", 2*parts), promFlush(250, 2*parts)})
	}
	for _, sh := range shapes {
		batches := sh.batches
		rows := 0
		for _, bt := range batches {
			rows += bt.Rows()
		}
		b.Run(sh.name, func(b *testing.B) {
			b.ReportAllocs()
			defer reportCPU(b, rows)()
			var pool encoderPool
			for b.Loop() {
				groups, err := groupBatches("", nil, batches)
				if err != nil || len(groups) != 1 {
					b.Fatalf("%d groups: %v", len(groups), err)
				}
				e := pool.get()
				req, err := e.encodeRuns(h, groups[0].batches, groups[0].same, !groups[0].checked)
				if err != nil {
					b.Fatal(err)
				}
				req.release()
				pool.put(e)
			}
		})
	}
}

package greptimetest

import (
	"fmt"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/ipc"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/greptime-bridge/greptime-bridge/writer/table"
)

// benchTable is a 20-column table: 4 string tags, the time index, 10
// DOUBLE and 5 BIGINT fields.
func benchTable(name string) (TableInfo, *arrow.Schema) {
	ti := TableInfo{Name: name, Engine: "mito", TimeIndex: "ts"}
	var fields []arrow.Field
	for i := 0; i < 4; i++ {
		n := fmt.Sprintf("tag%d", i)
		ti.Columns = append(ti.Columns, ColumnInfo{Name: n, Type: table.String, Semantic: table.Tag, Nullable: true})
		ti.PrimaryKey = append(ti.PrimaryKey, n)
		fields = append(fields, arrow.Field{Name: n, Type: arrow.BinaryTypes.String, Nullable: true})
	}
	ti.Columns = append(ti.Columns, ColumnInfo{Name: "ts", Type: table.TimestampMillisecond, Semantic: table.Timestamp})
	fields = append(fields, arrow.Field{Name: "ts", Type: &arrow.TimestampType{Unit: arrow.Millisecond}})
	for i := 0; i < 15; i++ {
		n, ct, at := fmt.Sprintf("f%d", i), table.Float64, arrow.DataType(arrow.PrimitiveTypes.Float64)
		if i >= 10 {
			ct, at = table.Int64, arrow.PrimitiveTypes.Int64
		}
		ti.Columns = append(ti.Columns, ColumnInfo{Name: n, Type: ct, Semantic: table.Field, Nullable: true})
		fields = append(fields, arrow.Field{Name: n, Type: at, Nullable: true})
	}
	return ti, arrow.NewSchema(fields, nil)
}

// benchRecord fills rows rows of the bench schema.
func benchRecord(mem memory.Allocator, sc *arrow.Schema, rows int) arrow.RecordBatch {
	b := array.NewRecordBuilder(mem, sc)
	defer b.Release()
	for r := 0; r < rows; r++ {
		for i := 0; i < 4; i++ {
			b.Field(i).(*array.StringBuilder).Append(fmt.Sprintf("v%d-%d", i, r%100))
		}
		b.Field(4).(*array.TimestampBuilder).Append(arrow.Timestamp(r))
		for i := 5; i < 15; i++ {
			b.Field(i).(*array.Float64Builder).Append(float64(r) * 0.5)
		}
		for i := 15; i < 20; i++ {
			b.Field(i).(*array.Int64Builder).Append(int64(r))
		}
	}
	return b.NewRecordBatch()
}

// BenchmarkDoPut streams the same LZ4-compressed batch over one DoPut
// stream, keeping up to par batches unanswered, against a server that
// decodes and validates every batch and stores its rows (they dedup, so
// memory stays flat) or, in count-only mode, counts them.
func BenchmarkDoPut(b *testing.B) {
	for _, countOnly := range []bool{false, true} {
		for _, rows := range []int{1000, 10000} {
			for _, par := range []int{1, 8} {
				benchDoPut(b, countOnly, rows, par)
			}
		}
	}
}

func benchDoPut(b *testing.B, countOnly bool, rows, par int) {
	b.Run(fmt.Sprintf("count-only=%v/rows=%d/par=%d", countOnly, rows, par), func(b *testing.B) {
		s := StartT(b, Options{CountOnly: countOnly})
		ti, sc := benchTable("bench")
		putMkTable(b, s, "public", ti)
		rec := benchRecord(memory.DefaultAllocator, sc, rows)
		defer rec.Release()
		p := openPut(b, putDial(b, s.Addr()))
		if _, err := p.recv(); err != nil {
			b.Fatal(err)
		}
		w := p.writer("bench", sc, ipc.WithLZ4())
		inflight, id := 0, int64(0)
		b.ReportAllocs()
		for b.Loop() {
			id++
			if err := w.WriteWithAppMetadata(rec, putIDMeta(id)); err != nil {
				b.Fatal(err)
			}
			if inflight++; inflight >= par {
				if _, err := p.recv(); err != nil {
					b.Fatal(err)
				}
				inflight--
			}
		}
		for ; inflight > 0; inflight-- {
			if _, err := p.recv(); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(rows)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
	})
}

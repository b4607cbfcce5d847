package writer

import (
	"fmt"
	"testing"

	"github.com/greptime-bridge/greptime-bridge/writer/table"
)

// benchBatch builds a 20-column table (time index, 4 string tags, 15
// fields of mixed types) with rows rows, the shape the issue benchmarks.
func benchBatch(rows int) *table.Batch {
	s := table.NewSchema("bench").Timestamp("ts", table.TimestampMillisecond)
	for i := 0; i < 4; i++ {
		s.Tag(fmt.Sprintf("tag%d", i), table.String)
	}
	for i := 0; i < 5; i++ {
		s.Field(fmt.Sprintf("f%d", i), table.Float64)
	}
	for i := 0; i < 5; i++ {
		s.Field(fmt.Sprintf("i%d", i), table.Int64)
	}
	s.Field("u", table.Uint32).Field("ok", table.Boolean).Field("msg", table.String).Field("raw", table.Binary).Field("f32", table.Float32)
	b := s.NewBatch("public")
	cols := b.Columns()
	for r := 0; r < rows; r++ {
		cols[0].AppendInt64(int64(1_700_000_000_000 + r))
		for i := 1; i <= 4; i++ {
			cols[i].AppendString(fmt.Sprintf("host-%d", r%50))
		}
		for i := 5; i < 10; i++ {
			if r%17 == 0 {
				cols[i].AppendNull()
			} else {
				cols[i].AppendFloat64(float64(r) * 0.5)
			}
		}
		for i := 10; i < 15; i++ {
			cols[i].AppendInt64(int64(r * i))
		}
		cols[15].AppendUint64(uint64(r))
		cols[16].AppendBool(r%2 == 0)
		cols[17].AppendString("a log line of moderate length")
		cols[18].AppendBytes([]byte{1, 2, 3, 4})
		cols[19].AppendFloat64(1.5)
		if err := b.EndRow(); err != nil {
			panic(err)
		}
	}
	return b
}

func BenchmarkRowConversion(b *testing.B) {
	for _, rows := range []int{1_000, 10_000} {
		batch := benchBatch(rows)
		b.Run(fmt.Sprintf("rows=%d", rows), func(b *testing.B) {
			b.ReportAllocs()
			var pool arenaPool
			for b.Loop() {
				a := pool.get()
				if _, err := convertBatch(batch, a); err != nil {
					b.Fatal(err)
				}
				pool.put(a)
			}
			b.ReportMetric(float64(rows)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
		})
	}
}

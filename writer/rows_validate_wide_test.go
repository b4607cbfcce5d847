package writer

import (
	"errors"
	"fmt"
	"testing"

	"github.com/greptime-bridge/greptime-bridge/writer/table"
)

// TestValidateDuplicateName: a wide batch whose column was renamed to
// another's name after it was added is refused, naming the column.
func TestValidateDuplicateName(t *testing.T) {
	b := table.New("", "t")
	b.MustColumn("ts", table.TimestampMillisecond, table.Timestamp).AppendInt64(1)
	for i := 0; i < 40; i++ {
		b.MustColumn(fmt.Sprint("c", i), table.String, table.Tag).AppendString("v")
	}
	if err := b.EndRow(); err != nil {
		t.Fatal(err)
	}
	if err := validateBatch(b); err != nil {
		t.Fatal(err)
	}
	b.Col(40).Name = "c7"
	var inv *InvalidInputError
	if err := validateBatch(b); !errors.As(err, &inv) || inv.Column != "c7" || inv.Reason != "duplicate column name" {
		t.Errorf("got %v", err)
	}
}

// BenchmarkValidateWideBatch: one row of n tag columns, the first write of
// a table whose rows carry n attributes. ns/column stays flat as n grows
// tenfold (it grew with n before the set: 30 s of CPU at 40,000 columns).
func BenchmarkValidateWideBatch(b *testing.B) {
	for _, n := range []int{20_000, 200_000} {
		b.Run(fmt.Sprint("columns=", n), func(b *testing.B) {
			batch := table.New("", "wide")
			batch.MustColumn("ts", table.TimestampMillisecond, table.Timestamp).AppendInt64(1)
			for i := 0; i < n; i++ {
				batch.MustColumn(fmt.Sprint("c", i), table.String, table.Tag).AppendString("v")
			}
			if err := batch.EndRow(); err != nil {
				b.Fatal(err)
			}
			for b.Loop() {
				if err := validateBatch(batch); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/column")
		})
	}
}

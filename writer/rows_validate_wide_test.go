package writer

import (
	"fmt"
	"testing"

	"github.com/greptime-bridge/greptime-bridge/writer/table"
)

// TestDuplicateNameSet: past dupScanCols columns the set finds a repeated
// name as the pairwise scan does.
func TestDuplicateNameSet(t *testing.T) {
	var cols []*table.Column
	b := table.New("", "t")
	for i := 0; i < 3*dupScanCols; i++ {
		cols = append(cols, b.MustColumn(fmt.Sprint("c", i), table.String, table.Tag))
	}
	names := map[string]struct{}{}
	for i, c := range cols {
		if duplicateName(cols[:i], c.Name, names) || duplicateName(cols[:i], c.Name, nil) {
			t.Fatalf("column %d reported repeated", i)
		}
	}
	if !duplicateName(cols, "c7", names) || !duplicateName(cols, "c7", nil) {
		t.Error("repeated name not found")
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

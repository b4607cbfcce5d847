package pipeline

import (
	"context"
	"testing"

	"github.com/greptime-bridge/greptime-bridge/writer/table"
)

// TestFoldGathersInItsOwnBatch folds three requests' batches of one table
// and checks that the rows are gathered, in order, in a batch of the
// pipeline's own rather than in the first request's batch, which goes
// back to the requests' pool empty: grown into the accumulator, it carried
// a whole flush's capacity to whichever request took it next.
func TestFoldGathersInItsOwnBatch(t *testing.T) {
	p := New(Config{Workers: 1}, nil, nil, nil, nil)
	defer func() {
		if err := p.Shutdown(context.Background()); err != nil {
			t.Error(err)
		}
	}()
	batch := func(ts ...int64) *table.Batch {
		b := table.New("public", "t")
		for _, x := range ts {
			b.MustColumn("ts", table.TimestampMillisecond, table.Timestamp).AppendInt64(x)
			b.MustColumn("host", table.String, table.Tag).AppendString("h" + string(rune('a'+x)))
			if err := b.EndRow(); err != nil {
				t.Fatal(err)
			}
		}
		return b
	}
	first := batch(0, 1)
	pt := &pendingTable{acc: first}
	for _, b := range []*table.Batch{batch(2), batch(3, 4)} {
		pt.more = append(pt.more, item{b: b})
	}
	if err := pt.fold(p); err != nil {
		t.Fatal(err)
	}
	if pt.acc == first || !pt.folded {
		t.Fatalf("the rows were folded into the first request's batch (folded %v)", pt.folded)
	}
	if first.Rows() != 0 {
		t.Errorf("the first request's batch still holds %d rows; it should be released", first.Rows())
	}
	if pt.acc.Database != "public" || pt.acc.Table != "t" || pt.acc.Rows() != 5 || len(pt.more) != 0 {
		t.Fatalf("folded %s.%s: %d rows, %d batches left", pt.acc.Database, pt.acc.Table, pt.acc.Rows(), len(pt.more))
	}
	for i := range 5 {
		ts, _ := pt.acc.Col(0).Int64(i)
		host, _ := pt.acc.Col(1).String(i)
		if ts != int64(i) || host != "h"+string(rune('a'+i)) {
			t.Errorf("row %d: %d %q", i, ts, host)
		}
	}
	// A second fold adds to the same gathering batch.
	acc := pt.acc
	pt.more = append(pt.more, item{b: batch(5)})
	if err := pt.fold(p); err != nil {
		t.Fatal(err)
	}
	if pt.acc != acc || pt.acc.Rows() != 6 {
		t.Errorf("second fold: a new batch (%v) of %d rows", pt.acc != acc, pt.acc.Rows())
	}
}

package table

import (
	"strings"
	"testing"
)

// TestReserveRows checks that rows appended after a reservation, as long
// as the average of the first, move no column's storage, and that the
// values and NULLs read back as written.
func TestReserveRows(t *testing.T) {
	b := New("db", "t")
	tag := b.MustColumn("host", String, Tag)
	ts := b.MustColumn("ts", TimestampMillisecond, Timestamp)
	val := b.MustColumn("v", Float64, Field)
	tag.AppendString("host-000")
	ts.AppendInt64(0)
	val.AppendNull()
	if err := b.EndRow(); err != nil {
		t.Fatal(err)
	}
	const more = 1000
	b.ReserveRows(more, 1<<20)
	data, offs, ints, floats, valid := &tag.data[:cap(tag.data)][0], &tag.offsets[:cap(tag.offsets)][0], &ts.ints[:cap(ts.ints)][0], &val.floats[:cap(val.floats)][0], &val.valid[:cap(val.valid)][0]
	for i := 1; i <= more; i++ {
		tag.AppendString("host-" + strings.Repeat("x", 3)[:i%4])
		ts.AppendInt64(int64(i))
		val.AppendFloat64(float64(i))
		if err := b.EndRow(); err != nil {
			t.Fatal(err)
		}
	}
	if data != &tag.data[0] || offs != &tag.offsets[0] || ints != &ts.ints[0] || floats != &val.floats[0] || valid != &val.valid[0] {
		t.Fatal("a column's storage moved after ReserveRows")
	}
	if err := b.Validate(); err != nil {
		t.Fatal(err)
	}
	if got, _ := tag.String(more); got != "host-" {
		t.Fatalf("last tag %q", got)
	}
	if got, _ := tag.String(3); got != "host-xxx" {
		t.Fatalf("tag 3 %q", got)
	}
	if !val.IsNull(0) || val.IsNull(more) || val.NullCount() != 1 {
		t.Fatalf("validity: null(0)=%v null(%d)=%v nulls=%d", val.IsNull(0), more, val.IsNull(more), val.NullCount())
	}
}

// TestReserveRowsEmpty checks that a reservation on columns without
// values, or of no rows, changes nothing a later append relies on.
func TestReserveRowsEmpty(t *testing.T) {
	b := New("db", "t")
	tag := b.MustColumn("host", String, Tag)
	ts := b.MustColumn("ts", TimestampMillisecond, Timestamp)
	offs := len(tag.offsets)
	b.ReserveRows(0, 1<<20)
	b.ReserveRows(-5, 1<<20)
	b.ReserveRows(10, 1<<20)
	if cap(tag.data) != 0 || len(tag.offsets) != offs {
		t.Fatalf("string column without values: data capacity %d, offsets %d (was %d)", cap(tag.data), len(tag.offsets), offs)
	}
	tag.AppendString("a")
	ts.AppendInt64(1)
	if err := b.EndRow(); err != nil {
		t.Fatal(err)
	}
	if err := b.Validate(); err != nil {
		t.Fatal(err)
	}
}

// TestReserveRowsDataBounded: a first row whose value is large says
// nothing of the rows that follow, so the bytes reserved for values over
// all columns stay within maxData however many rows are reserved (before
// the bound, 200 rows after a 1 MiB first value reserved 200 MiB a column).
func TestReserveRowsDataBounded(t *testing.T) {
	b := New("db", "t")
	big := b.MustColumn("a", String, Tag)
	other := b.MustColumn("b", String, Tag)
	ts := b.MustColumn("ts", TimestampMillisecond, Timestamp)
	big.AppendString(strings.Repeat("x", 1<<20))
	other.AppendString(strings.Repeat("y", 1<<20))
	ts.AppendInt64(0)
	if err := b.EndRow(); err != nil {
		t.Fatal(err)
	}
	const maxData = 4 << 20
	b.ReserveRows(200, maxData)
	if extra := cap(big.data) + cap(other.data) - 2<<20; extra > maxData+2<<20 {
		t.Fatalf("%d bytes reserved for values beyond the first row's, want at most about %d", extra, maxData)
	}
	if cap(ts.ints) < 201 {
		t.Fatalf("fixed-width column: capacity %d, want room for 201 rows", cap(ts.ints))
	}
}

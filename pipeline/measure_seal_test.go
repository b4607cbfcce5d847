package pipeline

import (
	"errors"
	"testing"

	"github.com/greptime-bridge/greptime-bridge/translate"
	"github.com/greptime-bridge/greptime-bridge/writer/table"
)

// sealOutput returns an output of n tables of rows rows each, with a
// measurement attached (as after an earlier request of the output).
func sealOutput(n, rows int) *translate.Output {
	out := &translate.Output{Measured: &measured{}}
	for i := range n {
		b := out.Batch("public", string(rune('a'+i)))
		for r := range rows {
			b.MustColumn("ts", table.TimestampMillisecond, table.Timestamp).AppendInt64(int64(r))
			b.MustColumn("v", table.Float64, table.Field).AppendFloat64(1)
			b.MustColumn("job", table.String, table.Tag).AppendString("j")
			if err := b.EndRow(); err != nil {
				panic(err)
			}
		}
	}
	return out
}

// checkMeasured compares what measure recorded with a fresh measurement
// of every batch.
func checkMeasured(t *testing.T, out *translate.Output) {
	t.Helper()
	m := measure(out)
	if len(m.batch) != len(out.Batches) {
		t.Fatalf("%d measured, %d batches", len(m.batch), len(out.Batches))
	}
	for i, b := range out.Batches {
		f, err := measureOne(b)
		if m.batch[i] != b || m.rows[i] != b.Rows() || m.facts[i] != f || (m.err[i] == nil) != (err == nil) {
			t.Fatalf("batch %d (%s): measured %v rows %d err %v, fresh %v rows %d err %v",
				i, b.Table, m.facts[i], m.rows[i], m.err[i], f, b.Rows(), err)
		}
	}
}

// TestSealedMeasurements checks measure against what Seal recorded: kept
// when the batch is unchanged, taken again when it gained rows or columns,
// ignored when sealed out of order, and reset with the output.
func TestSealedMeasurements(t *testing.T) {
	out := sealOutput(3, 2)
	m := out.Measured.(*measured)
	for _, b := range out.Batches {
		out.Seal(b)
	}
	if len(m.batch) != 3 {
		t.Fatalf("%d sealed, want 3", len(m.batch))
	}
	checkMeasured(t, out)

	// A sealed batch that gets a row afterwards (here one with a NULL
	// time index, so it becomes invalid) is measured again.
	out = sealOutput(3, 2)
	out.Seal(out.Batches[0])
	b := out.Batches[0]
	b.MustColumn("v", table.Float64, table.Field).AppendFloat64(2)
	if err := b.EndRow(); err != nil {
		t.Fatal(err)
	}
	checkMeasured(t, out)
	if err := measure(out).err[0]; !errors.Is(err, table.ErrInvalid) {
		t.Fatalf("a batch grown invalid after its seal: %v, want ErrInvalid", err)
	}

	// A column added after the seal (NULL for the rows there are) changes
	// the layout without changing the row count: measured again.
	out = sealOutput(3, 2)
	out.Seal(out.Batches[0])
	sealedLayout := out.Measured.(*measured).facts[0].layout
	if _, err := out.Batches[0].AddColumn("extra", table.String, table.Tag); err != nil {
		t.Fatal(err)
	}
	checkMeasured(t, out)
	if measure(out).facts[0].layout == sealedLayout {
		t.Fatal("a column added after the seal kept the sealed layout")
	}

	// Out of order: the second batch sealed first is not recorded.
	out = sealOutput(3, 2)
	m = out.Measured.(*measured)
	out.Seal(out.Batches[1])
	if len(m.batch) != 0 {
		t.Fatalf("an out-of-order seal was recorded")
	}
	out.Seal(out.Batches[0])
	out.Seal(out.Batches[1])
	if len(m.batch) != 2 {
		t.Fatalf("%d sealed, want 2", len(m.batch))
	}
	checkMeasured(t, out)

	// The next request of the output starts with nothing sealed, and
	// measure drops entries beyond the output's batches.
	out.Reset()
	if len(m.batch) != 0 {
		t.Fatalf("Reset left %d seals", len(m.batch))
	}
	b = out.Batch("public", "a")
	b.MustColumn("ts", table.TimestampMillisecond, table.Timestamp).AppendInt64(1)
	if err := b.EndRow(); err != nil {
		t.Fatal(err)
	}
	checkMeasured(t, out)

	// Without a sealer Seal does nothing.
	plain := &translate.Output{}
	plain.Seal(plain.Batch("public", "a"))
	if plain.Measured != nil {
		t.Fatal("Seal set Measured")
	}
}

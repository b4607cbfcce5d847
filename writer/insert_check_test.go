package writer_test

import (
	"errors"
	"testing"

	"github.com/greptime-bridge/greptime-bridge/writer"
	"github.com/greptime-bridge/greptime-bridge/writer/greptimetest"
	"github.com/greptime-bridge/greptime-bridge/writer/table"
)

// TestInvalidShareInRunSendsNothing: a call of one request validates its
// batches while encoding them (groupBy), so an invalid batch laid out like
// the batches before it, in the middle of their run, or of another
// layout, still fails the whole call with an InvalidInputError naming it,
// and nothing reaches the server; the same holds when the call makes
// several requests (another database), validated before any is sent.
func TestInvalidShareInRunSendsNothing(t *testing.T) {
	s, c := startWithClient(t, greptimetest.Options{})
	if err := s.CreateDatabase("other"); err != nil {
		t.Fatal(err)
	}
	// int8Batch is a row of v at time v; a v past INT8 makes it invalid.
	int8Batch := func(v int64) *table.Batch {
		b := table.NewSchema("small").Timestamp("ts", table.TimestampMillisecond).Field("v", table.Int8).NewBatch("")
		if err := b.AddRow(table.TimestampMillisecondValue(v), table.Int64Value(v)); err != nil {
			t.Fatal(err)
		}
		return b
	}
	other := int8Batch(1)
	other.Database = "other"
	for name, batches := range map[string][]*table.Batch{
		"last of a run":   {int8Batch(1), int8Batch(2), int8Batch(300)},
		"middle of a run": {int8Batch(1), int8Batch(300), int8Batch(2)},
		"after a table":   {cpuBatch(t, "cpu", 2, 0), int8Batch(1), int8Batch(-300)},
		"two requests":    {other, int8Batch(1), int8Batch(300)},
	} {
		_, err := c.Write(ctxT(t), batches...)
		var ie *writer.InvalidInputError
		if !errors.As(err, &ie) || ie.Table != "small" || ie.Column != "v" {
			t.Errorf("%s: got %v, want InvalidInputError for small.v", name, err)
		}
	}
	if calls := s.Calls()["Handle"]; calls != 0 {
		t.Errorf("%d Handle calls for invalid input", calls)
	}
	// The valid run goes through as one insert of every row.
	if _, err := c.Write(ctxT(t), int8Batch(1), int8Batch(2), int8Batch(3)); err != nil {
		t.Fatal(err)
	}
	if rows := s.Rows("public", "small"); len(rows) != 3 {
		t.Errorf("%d rows written, want 3", len(rows))
	}
}

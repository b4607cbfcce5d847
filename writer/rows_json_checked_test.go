package writer

import (
	"errors"
	"testing"

	"github.com/greptime-bridge/greptime-bridge/writer/table"
)

// TestJSONCheckedSkipsOnlyTheParse: a JSON column its producer marked
// JSONChecked is not parsed again, but its UTF-8 is still checked; an
// unmarked one is parsed.
func TestJSONCheckedSkipsOnlyTheParse(t *testing.T) {
	mk := func(checked bool, text string) *table.Batch {
		b := table.New("", "logs")
		b.MustColumn("ts", table.TimestampMillisecond, table.Timestamp).AppendInt64(1)
		c := b.MustColumn("attrs", table.JSON, table.Field)
		c.JSONChecked = checked
		c.AppendString(text)
		if err := b.EndRow(); err != nil {
			t.Fatal(err)
		}
		return b
	}
	if err := validateBatch(mk(false, `{"a":`)); !errors.Is(err, ErrInvalidInput) {
		t.Errorf("unmarked invalid JSON: %v, want invalid input", err)
	}
	if err := validateBatch(mk(true, `{"a":`)); err != nil {
		t.Errorf("marked JSON was parsed again: %v", err)
	}
	if err := validateBatch(mk(true, "{\"a\":\"\xff\"}")); !errors.Is(err, ErrInvalidInput) {
		t.Errorf("marked JSON with invalid UTF-8: %v, want invalid input", err)
	}
}

package writer

import (
	"errors"
	"testing"

	"github.com/greptime-bridge/greptime-bridge/writer/table"
)

func TestEncodeHints(t *testing.T) {
	var h table.Hints
	h.Set("ttl", "7d")
	h.Set("append_mode", "true")
	got, err := encodeHints("t", h)
	if err != nil || got != "append_mode=true,ttl=7d" {
		t.Fatalf("got %q %v", got, err)
	}
	if got, err := encodeHints("t", nil); err != nil || got != "" {
		t.Fatalf("empty hints: %q %v", got, err)
	}
	bad := []table.Hints{
		{{Key: "a,b", Value: "1"}},
		{{Key: "a=b", Value: "1"}},
		{{Key: "ttl", Value: "1,2"}},
		{{Key: "ttl", Value: "a=b"}},
		{{Key: " ", Value: "x"}},
		{{Key: "comment", Value: "line\nbreak"}},
		{{Key: "comment", Value: "é"}},
	}
	for _, h := range bad {
		_, err := encodeHints("cpu", h)
		var ie *InvalidInputError
		if !errors.As(err, &ie) || ie.Table != "cpu" {
			t.Errorf("%v: got %v, want InvalidInputError naming the table", h, err)
		}
	}
}

func TestGroupBatchesByDatabaseAndHints(t *testing.T) {
	mk := func(db, name string, hints ...string) *table.Batch {
		b := table.NewSchema(name).Timestamp("ts", table.TimestampMillisecond).NewBatch(db)
		for i := 0; i+1 < len(hints); i += 2 {
			b.Hints.Set(hints[i], hints[i+1])
		}
		_ = b.AddRow(table.TimestampMillisecondValue(1))
		return b
	}
	groups, err := groupBatches("public", nil, []*table.Batch{
		mk("", "a", "ttl", "1d"),
		mk("public", "b", "ttl", "1d"),
		mk("", "c"),
		mk("other", "d", "ttl", "1d"),
		mk("", "e", "ttl", "7d"),
		mk("", "f"),
	})
	if err != nil {
		t.Fatal(err)
	}
	want := []struct{ db, hints, tables string }{
		{"public", "ttl=1d", "a,b"},
		{"public", "", "c,f"},
		{"other", "ttl=1d", "d"},
		{"public", "ttl=7d", "e"},
	}
	if len(groups) != len(want) {
		t.Fatalf("%d groups, want %d", len(groups), len(want))
	}
	for i, w := range want {
		g := groups[i]
		if g.database != w.db || g.hints != w.hints || g.tableNames() != w.tables {
			t.Errorf("group %d = %s %q %s, want %s %q %s", i, g.database, g.hints, g.tableNames(), w.db, w.hints, w.tables)
		}
	}
}

func TestGroupBatchesMergesCallHints(t *testing.T) {
	mk := func(name string, hints ...string) *table.Batch {
		b := table.NewSchema(name).Timestamp("ts", table.TimestampMillisecond).NewBatch("")
		for i := 0; i+1 < len(hints); i += 2 {
			b.Hints.Set(hints[i], hints[i+1])
		}
		_ = b.AddRow(table.TimestampMillisecondValue(1))
		return b
	}
	var base table.Hints
	base.Set("ttl", "1d")
	base.Set("append_mode", "true")
	plain, own := mk("a"), mk("b", "ttl", "7d")
	groups, err := groupBatches("public", base, []*table.Batch{plain, own})
	if err != nil {
		t.Fatal(err)
	}
	if len(groups) != 2 || groups[0].hints != "append_mode=true,ttl=1d" || groups[1].hints != "append_mode=true,ttl=7d" {
		t.Fatalf("groups %q %q", groups[0].hints, groups[len(groups)-1].hints)
	}
	if len(own.Hints) != 1 {
		t.Errorf("the batch's hints were modified: %v", own.Hints)
	}
}

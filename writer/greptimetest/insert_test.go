package greptimetest

import (
	"testing"

	gpb "github.com/GreptimeTeam/greptime-proto/go/greptime/v1"

	"github.com/greptime-bridge/greptime-bridge/writer/table"
)

func cpuSchema() []*gpb.ColumnSchema {
	return cols(tag("host", gpb.ColumnDataType_STRING), ts("ts"), field("usage", gpb.ColumnDataType_FLOAT64))
}

func TestAutoCreateAndReadBack(t *testing.T) {
	s := StartT(t, Options{})
	c := dial(t, s)
	c.insert("public", []*gpb.RowInsertRequest{
		req("cpu", cpuSchema(), row(sv("a"), tv(1), fv(0.5)), row(sv("b"), tv(1), null())),
	}, "x-greptime-hints", "ttl=7d, append_mode=false").expectOK(t, 2)

	ti, ok := s.Table("public", "cpu")
	if !ok {
		t.Fatal("table cpu not created")
	}
	if ti.Engine != "mito" || ti.TimeIndex != "ts" || len(ti.PrimaryKey) != 1 || ti.PrimaryKey[0] != "host" {
		t.Fatalf("table info = %+v", ti)
	}
	if ti.Options["ttl"] != "7days" || ti.Options["append_mode"] != "false" {
		t.Fatalf("options = %v", ti.Options)
	}
	tsCol, _ := ti.Column("ts")
	usage, _ := ti.Column("usage")
	if tsCol.Nullable || !usage.Nullable || usage.Type != table.Float64 {
		t.Fatalf("columns = %+v", ti.Columns)
	}
	rows := s.Rows("greptime-public", "cpu")
	if len(rows) != 2 {
		t.Fatalf("rows = %v", rows)
	}
	if h, _ := rows[0][0].AsString(); h != "a" {
		t.Fatalf("row 0 host = %v", rows[0][0])
	}
	if !rows[1][2].IsNull() {
		t.Fatalf("row 1 usage = %v, want NULL", rows[1][2])
	}
	if got := s.PathCounts("public", "cpu")[PathRowInsert]; got != 2 {
		t.Fatalf("row-insert path count = %d", got)
	}
	if s.Tables("public")[0] != "cpu" {
		t.Fatalf("tables = %v", s.Tables("public"))
	}
}

func TestDedupLastRowAndAppendMode(t *testing.T) {
	s := StartT(t, Options{})
	c := dial(t, s)
	c.insert("public", []*gpb.RowInsertRequest{
		req("cpu", cpuSchema(), row(sv("a"), tv(1), fv(1)), row(sv("a"), tv(1), fv(2))),
	}).expectOK(t, 2)
	if n := s.RowCount("public", "cpu"); n != 1 {
		t.Fatalf("dedup row count = %d, want 1", n)
	}
	if v, _ := s.Rows("public", "cpu")[0][2].AsFloat64(); v != 2 {
		t.Fatalf("last write should win, got %v", v)
	}
	c.insert("public", []*gpb.RowInsertRequest{
		req("logs", cpuSchema(), row(sv("a"), tv(1), fv(1)), row(sv("a"), tv(1), fv(2))),
	}, "x-greptime-hints", "append_mode=true").expectOK(t, 2)
	if n := s.RowCount("public", "logs"); n != 2 {
		t.Fatalf("append-mode row count = %d, want 2", n)
	}
}

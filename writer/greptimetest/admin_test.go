package greptimetest

import (
	"errors"
	"testing"

	gpb "github.com/GreptimeTeam/greptime-proto/go/greptime/v1"
	"google.golang.org/grpc/codes"

	"github.com/greptime-bridge/greptime-bridge/writer/table"
)

func TestAdminOperations(t *testing.T) {
	s := StartT(t, Options{})
	c := dial(t, s)
	if err := s.CreateDatabase("ops"); err != nil {
		t.Fatal(err)
	}
	c.insert("ops", []*gpb.RowInsertRequest{req("t", cpuSchema(), row(sv("a"), tv(1), fv(1)))}).expectOK(t, 1)
	if err := s.AddColumn("ops", "t", ColumnInfo{Name: "dc", Type: table.String, Semantic: table.Tag, Nullable: true}); err != nil {
		t.Fatal(err)
	}
	if ti, _ := s.Table("ops", "t"); len(ti.PrimaryKey) != 2 {
		t.Fatalf("tag not in primary key: %+v", ti)
	}
	if err := s.AddColumn("ops", "t", ColumnInfo{Name: "dc", Type: table.String}); err == nil {
		t.Fatal("duplicate column accepted")
	}
	if err := s.AlterColumnType("ops", "t", "usage", table.Int64); err != nil {
		t.Fatal(err)
	}
	// The client's FLOAT64 now mismatches: the error a stale schema gets.
	c.insert("ops", []*gpb.RowInsertRequest{req("t", cpuSchema(), row(sv("a"), tv(2), fv(1)))}).
		expectErr(t, codes.InvalidArgument, StatusInvalidArguments, "column usage expect type Int64(Int64Type), given: FLOAT64(10)")
	if err := s.AlterColumnType("ops", "t", "nope", table.Int64); err == nil {
		t.Fatal("unknown column accepted")
	}
	if err := s.DropTable("ops", "t"); err != nil {
		t.Fatal(err)
	}
	err := s.DropTable("ops", "t")
	var ge *Error
	if !errors.As(err, &ge) || ge.Code != StatusTableNotFound {
		t.Fatalf("drop missing: %v", err)
	}
	if s.RowCount("ops", "t") != 0 || len(s.Tables("ops")) != 0 || s.Tables("missing") != nil {
		t.Fatal("table still visible")
	}
}

func TestAppendRowsBulkPath(t *testing.T) {
	s := StartT(t, Options{})
	c := dial(t, s)
	c.insert("public", []*gpb.RowInsertRequest{req("t", cpuSchema(), row(sv("a"), tv(1), fv(1)))}).expectOK(t, 1)
	k := parseDB("public")
	n, err := s.appendRows(k, "t", []string{"ts", "host"}, [][]table.Value{
		{table.TimestampMillisecondValue(1), table.StringValue("a")},
		{table.TimestampMillisecondValue(2), table.StringValue("b")},
	}, PathBulk)
	if err != nil || n != 2 {
		t.Fatalf("appendRows = %d, %v", n, err)
	}
	rows := s.Rows("public", "t")
	if len(rows) != 2 || !rows[0][2].IsNull() {
		t.Fatalf("rows = %v (bulk row with the same key replaces the earlier one, usage filled with NULL)", rows)
	}
	pc := s.PathCounts("public", "t")
	if pc[PathRowInsert] != 1 || pc[PathBulk] != 2 {
		t.Fatalf("path counts = %v", pc)
	}
	if _, err := s.appendRows(k, "t", []string{"host"}, [][]table.Value{{table.StringValue("a")}}, PathBulk); err == nil {
		t.Fatal("missing time index accepted")
	}
	if _, err := s.appendRows(k, "t", []string{"ts"}, [][]table.Value{{table.Null()}}, PathBulk); err == nil {
		t.Fatal("NULL time index accepted")
	}
	if _, err := s.appendRows(k, "t", []string{"ts", "zzz"}, [][]table.Value{{table.TimestampMillisecondValue(1), table.Null()}}, PathBulk); err == nil {
		t.Fatal("unknown column accepted")
	}
	if _, err := s.appendRows(k, "nope", nil, nil, PathBulk); err == nil {
		t.Fatal("missing table accepted")
	}
	if _, err := s.lookupTable(k, "nope"); err == nil || err.Error() != "Table not found: greptime.public.nope" {
		t.Fatalf("lookupTable = %v", err)
	}
	if PathBulk.String() != "bulk" || PathRowInsert.String() != "row-insert" {
		t.Fatal("path names")
	}
}

func TestMergeModeLastNonNull(t *testing.T) {
	s := StartT(t, Options{})
	c := dial(t, s)
	schema := cols(tag("h", gpb.ColumnDataType_STRING), ts("ts"), field("a", gpb.ColumnDataType_FLOAT64), field("b", gpb.ColumnDataType_FLOAT64))
	c.insert("public", []*gpb.RowInsertRequest{req("m", schema, row(sv("x"), tv(1), fv(1), fv(2)), row(sv("x"), tv(1), null(), fv(3)))},
		"x-greptime-hints", "merge_mode=last_non_null").expectOK(t, 2)
	rows := s.Rows("public", "m")
	a, _ := rows[0][2].AsFloat64()
	b, _ := rows[0][3].AsFloat64()
	if len(rows) != 1 || a != 1 || b != 3 {
		t.Fatalf("rows = %v", rows)
	}
}

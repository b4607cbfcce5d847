package greptimetest

import (
	"testing"

	gpb "github.com/GreptimeTeam/greptime-proto/go/greptime/v1"
	"google.golang.org/grpc/codes"

	"github.com/greptime-bridge/greptime-bridge/writer/table"
)

func TestSQLModifyColumn(t *testing.T) {
	s := StartT(t, Options{})
	c := dial(t, s)
	c.sql("public", "CREATE TABLE t (host STRING PRIMARY KEY, ts TIMESTAMP(3) NOT NULL, n BIGINT, req BIGINT NOT NULL, TIME INDEX (ts))").expectOK(t, 0)
	// A stored BIGINT becomes a DOUBLE of the same value.
	intSchema := []*gpb.ColumnSchema{
		{ColumnName: "host", Datatype: gpb.ColumnDataType_STRING, SemanticType: gpb.SemanticType_TAG},
		{ColumnName: "ts", Datatype: gpb.ColumnDataType_TIMESTAMP_MILLISECOND, SemanticType: gpb.SemanticType_TIMESTAMP},
		{ColumnName: "n", Datatype: gpb.ColumnDataType_INT64, SemanticType: gpb.SemanticType_FIELD},
		{ColumnName: "req", Datatype: gpb.ColumnDataType_INT64, SemanticType: gpb.SemanticType_FIELD},
	}
	ival := func(v int64) *gpb.Value { return &gpb.Value{ValueData: &gpb.Value_I64Value{I64Value: v}} }
	c.insert("public", []*gpb.RowInsertRequest{req("t", intSchema, row(sv("a"), tv(1), ival(42), ival(1)))}).expectOK(t, 1)
	c.sql("public", "ALTER TABLE t MODIFY COLUMN n DOUBLE").expectOK(t, 0)
	ti, _ := s.Table("public", "t")
	if n, _ := ti.Column("n"); n.Type != table.Float64 {
		t.Fatalf("n is %s after MODIFY", n.Type)
	}
	rows := s.Rows("public", "t")
	if f, ok := rows[0][2].AsFloat64(); !ok || f != 42 {
		t.Fatalf("stored value %v, want DOUBLE 42", rows[0][2])
	}
	// Idempotent: the same type again is accepted.
	c.sql("public", "ALTER TABLE t MODIFY COLUMN n DOUBLE").expectOK(t, 0)
	c.sql("public", "ALTER TABLE t MODIFY COLUMN host BIGINT").
		expectErr(t, codes.InvalidArgument, StatusInvalidArguments, "Invalid alter table(t) request: Not allowed to change primary key index column 'host'")
	c.sql("public", "ALTER TABLE t MODIFY COLUMN ts TIMESTAMP(6)").
		expectErr(t, codes.InvalidArgument, StatusInvalidArguments, "Invalid alter table(t) request: Not allowed to change timestamp index column 'ts' datatype")
	c.sql("public", "ALTER TABLE t MODIFY COLUMN req DOUBLE").
		expectErr(t, codes.InvalidArgument, StatusInvalidArguments, "Invalid alter table(t) request: column 'req' must be nullable to ensure safe conversion.")
	c.sql("public", "ALTER TABLE t MODIFY COLUMN nope DOUBLE").
		expectErr(t, codes.NotFound, StatusTableColumnNotFound, "Column nope not exists in table t")
}

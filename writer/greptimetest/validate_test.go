package greptimetest

import (
	"testing"

	gpb "github.com/GreptimeTeam/greptime-proto/go/greptime/v1"
	"google.golang.org/grpc/codes"

	"github.com/greptime-bridge/greptime-bridge/writer/table"
)

// region1024 prefixes errors of the first table created in a server.
const region1024 = "Invalid request to region 4398046511104(1024, 0), reason: "

func TestAutoCreateErrors(t *testing.T) {
	s := StartT(t, Options{})
	c := dial(t, s)
	one := func(schema []*gpb.ColumnSchema, vals ...*gpb.Value) []*gpb.RowInsertRequest {
		return []*gpb.RowInsertRequest{req("t", schema, row(vals...))}
	}
	tests := []struct {
		name   string
		reqs   []*gpb.RowInsertRequest
		code   codes.Code
		status StatusCode
		msg    string
	}{
		{
			"missing timestamp", one(cols(tag("h", gpb.ColumnDataType_STRING)), sv("a")),
			codes.InvalidArgument, StatusInvalidArguments, "Missing timestamp column, msg: table is t",
		},
		{
			"two timestamps", one(cols(ts("a"), ts("b")), tv(1), tv(2)),
			codes.InvalidArgument, StatusInvalidArguments, "Duplicated timestamp column in gRPC requests, exists a, duplicated: b",
		},
		{
			"duplicate names", one(cols(ts("a"), field("x", gpb.ColumnDataType_INT64), field("x", gpb.ColumnDataType_INT64)), tv(1), iv(1), iv(2)),
			codes.InvalidArgument, StatusInvalidArguments, "Duplicated column name in gRPC requests, name: x",
		},
		{
			"datetime", one(cols(ts("a"), field("d", gpb.ColumnDataType_DATETIME)), tv(1), &gpb.Value{ValueData: &gpb.Value_DatetimeValue{DatetimeValue: 1}}),
			codes.InvalidArgument, StatusInvalidArguments, "Invalid SQL, error: column name `d` is datetime type, which is not supported, please use `timestamp` type instead",
		},
		{
			"interval", one(cols(ts("a"), field("i", gpb.ColumnDataType_INTERVAL_YEAR_MONTH)), tv(1), &gpb.Value{ValueData: &gpb.Value_IntervalYearMonthValue{IntervalYearMonthValue: 1}}),
			codes.InvalidArgument, StatusInvalidArguments, "Invalid SQL, error: column name `i` is interval type, which is not supported",
		},
		{
			"fulltext on int", one(cols(ts("a"), &gpb.ColumnSchema{
				ColumnName: "n", Datatype: gpb.ColumnDataType_INT64, SemanticType: gpb.SemanticType_FIELD,
				Options: &gpb.ColumnOptions{Options: map[string]string{"fulltext": "{}"}},
			}), tv(1), iv(1)),
			codes.InvalidArgument, StatusInvalidArguments, "Fulltext index only supports string type, column: n, unexpected type: Int64",
		},
		{
			"time index not a timestamp", one(cols(&gpb.ColumnSchema{ColumnName: "n", Datatype: gpb.ColumnDataType_INT64, SemanticType: gpb.SemanticType_TIMESTAMP}), iv(1)),
			codes.InvalidArgument, StatusInvalidArguments, "Invalid SQL, error: column `n` is not a timestamp type, it can't be used as time index",
		},
		{
			"list column", one(cols(ts("a"), field("l", gpb.ColumnDataType_LIST)), tv(1), null()),
			codes.Unimplemented, StatusUnsupported, "greptimetest: column type LIST is not implemented",
		},
		{
			"unknown type", one(cols(ts("a"), field("u", gpb.ColumnDataType(99))), tv(1), null()),
			codes.InvalidArgument, StatusInvalidArguments, "Unknown proto column datatype: 99",
		},
		{
			"column count", one(cols(ts("a"), field("x", gpb.ColumnDataType_INT64)), tv(1)),
			codes.InvalidArgument, StatusInvalidArguments, "Invalid InsertRequest, reason: column count mismatch, columns: 2, values: 1",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c.insert("public", tt.reqs).expectErr(t, tt.code, tt.status, tt.msg)
			if _, ok := s.Table("public", "t"); ok {
				t.Fatal("a failed create must not leave a table")
			}
		})
	}
}

func TestRowValidation(t *testing.T) {
	s := StartT(t, Options{})
	c := dial(t, s)
	c.insert("public", []*gpb.RowInsertRequest{req("cpu", cpuSchema(), row(sv("a"), tv(1), fv(1)))}).expectOK(t, 1)
	ins := func(schema []*gpb.ColumnSchema, vals ...*gpb.Value) result {
		return c.insert("public", []*gpb.RowInsertRequest{req("cpu", schema, row(vals...))})
	}
	ins(cpuSchema(), sv("a"), tv(2), iv(1)).expectErr(t, codes.InvalidArgument, StatusInvalidArguments,
		region1024+"value has type Int64, but column usage has type Float64(10)")
	ins(cols(tag("host", gpb.ColumnDataType_STRING), ts("ts"), field("usage", gpb.ColumnDataType_INT64)), sv("a"), tv(2), iv(1)).
		expectErr(t, codes.InvalidArgument, StatusInvalidArguments,
			region1024+"column usage expect type Float64(Float64Type), given: INT64(4)")
	ins(cols(field("host", gpb.ColumnDataType_STRING), ts("ts"), field("usage", gpb.ColumnDataType_FLOAT64)), sv("a"), tv(2), fv(1)).
		expectErr(t, codes.InvalidArgument, StatusInvalidArguments,
			region1024+"column host has semantic type Tag, given: FIELD(1)")
	ins(cpuSchema(), sv("a"), null(), fv(1)).expectErr(t, codes.InvalidArgument, StatusInvalidArguments,
		region1024+"column ts is not null but input has null")
	ins(cols(tag("host", gpb.ColumnDataType_STRING), ts("ts"), tag("host", gpb.ColumnDataType_STRING)), sv("a"), tv(1), sv("b")).
		expectErr(t, codes.InvalidArgument, StatusInvalidArguments, region1024+"duplicate column host")
	// A missing nullable column is filled with NULL; a missing time index is refused.
	ins(cols(tag("host", gpb.ColumnDataType_STRING), ts("ts")), sv("b"), tv(3)).expectOK(t, 1)
	ins(cols(tag("host", gpb.ColumnDataType_STRING), field("usage", gpb.ColumnDataType_FLOAT64)), sv("b"), fv(1)).
		expectErr(t, codes.InvalidArgument, StatusInvalidArguments, region1024+"missing column ts")
	// Empty requests are dropped silently, even for tables that do not exist.
	c.insert("public", []*gpb.RowInsertRequest{req("empty", cpuSchema())}).expectOK(t, 0)
	if _, ok := s.Table("public", "empty"); ok {
		t.Fatal("an empty request must not create a table")
	}
	if n := s.RowCount("public", "cpu"); n != 2 {
		t.Fatalf("rows = %d, want 2", n)
	}
}

func TestAddColumnOnDemand(t *testing.T) {
	s := StartT(t, Options{})
	c := dial(t, s)
	c.insert("public", []*gpb.RowInsertRequest{req("cpu", cpuSchema(), row(sv("a"), tv(1), fv(1)))}).expectOK(t, 1)
	wide := cols(tag("host", gpb.ColumnDataType_STRING), ts("ts"), field("usage", gpb.ColumnDataType_FLOAT64),
		tag("dc", gpb.ColumnDataType_STRING), field("temp", gpb.ColumnDataType_INT32))
	c.insert("public", []*gpb.RowInsertRequest{req("cpu", wide,
		row(sv("a"), tv(1), fv(2), sv("eu"), &gpb.Value{ValueData: &gpb.Value_I32Value{I32Value: 7}}))}).expectOK(t, 1)
	ti, _ := s.Table("public", "cpu")
	if len(ti.Columns) != 5 || len(ti.PrimaryKey) != 2 || ti.PrimaryKey[1] != "dc" {
		t.Fatalf("table = %+v", ti)
	}
	dc, _ := ti.Column("dc")
	temp, _ := ti.Column("temp")
	if dc.Semantic != table.Tag || !dc.Nullable || temp.Semantic != table.Field || temp.Type != table.Int32 {
		t.Fatalf("added columns = %+v %+v", dc, temp)
	}
	// The new tag is part of the key: (a, NULL, 1) and (a, eu, 1) differ.
	rows := s.Rows("public", "cpu")
	if len(rows) != 2 || !rows[0][3].IsNull() || !rows[0][4].IsNull() {
		t.Fatalf("rows = %v", rows)
	}
	// Auto-add refuses DATETIME / INTERVAL and a second time index.
	add := func(extra *gpb.ColumnSchema, v *gpb.Value) result {
		return c.insert("public", []*gpb.RowInsertRequest{req("cpu", append(cpuSchema(), extra), row(sv("a"), tv(1), fv(1), v))})
	}
	add(field("d", gpb.ColumnDataType_DATETIME), &gpb.Value{ValueData: &gpb.Value_DatetimeValue{DatetimeValue: 1}}).
		expectErr(t, codes.InvalidArgument, StatusInvalidArguments, "Invalid SQL, error: column name `d` is datetime type")
	add(field("i", gpb.ColumnDataType_INTERVAL_DAY_TIME), &gpb.Value{ValueData: &gpb.Value_IntervalDayTimeValue{IntervalDayTimeValue: 1}}).
		expectErr(t, codes.InvalidArgument, StatusInvalidArguments, "Invalid SQL, error: column name `i` is interval type, which is not supported")
	c.insert("public", []*gpb.RowInsertRequest{req("cpu",
		cols(tag("host", gpb.ColumnDataType_STRING), ts("time"), field("usage", gpb.ColumnDataType_FLOAT64)),
		row(sv("a"), tv(1), fv(1)))}).
		expectErr(t, codes.InvalidArgument, StatusInvalidArguments, "expect only one time index, found 2: ts, time")
}

func TestAutoCreateDisabled(t *testing.T) {
	f := false
	off := StartT(t, Options{AutoCreateTable: &f})
	c := dial(t, off)
	c.insert("public", []*gpb.RowInsertRequest{req("t", cpuSchema(), row(sv("a"), tv(1), fv(1)))}).
		expectErr(t, codes.InvalidArgument, StatusInvalidArguments,
			"Invalid InsertRequest, reason: Table `t` does not exist, and auto-create table is disabled by frontend config")

	s := StartT(t, Options{})
	c = dial(t, s)
	c.insert("public", []*gpb.RowInsertRequest{req("t", cpuSchema(), row(sv("a"), tv(1), fv(1)))},
		"x-greptime-hints", "auto_create_table=false").
		expectErr(t, codes.InvalidArgument, StatusInvalidArguments,
			"Invalid InsertRequest, reason: Table `t` does not exist, and `auto_create_table` hint is disabled")
	c.insert("public", []*gpb.RowInsertRequest{req("t", cpuSchema(), row(sv("a"), tv(1), fv(1)))}).expectOK(t, 1)
	// No alter either: a new column is unknown.
	c.insert("public", []*gpb.RowInsertRequest{req("t", append(cpuSchema(), field("new", gpb.ColumnDataType_INT64), field("b", gpb.ColumnDataType_INT64)),
		row(sv("a"), tv(2), fv(1), iv(1), iv(2)))}, "x-greptime-hints", "auto_create_table=false").
		expectErr(t, codes.InvalidArgument, StatusInvalidArguments, region1024+`unknown columns: ["b", "new"]`)
}

func TestJSONAndVectorPreprocessing(t *testing.T) {
	s := StartT(t, Options{})
	c := dial(t, s)
	js := field("doc", gpb.ColumnDataType_JSON)
	ins := func(v *gpb.Value) result {
		return c.insert("public", []*gpb.RowInsertRequest{req("j", cols(ts("ts"), js), row(tv(1), v))})
	}
	ins(sv("{not json")).expectErr(t, codes.InvalidArgument, StatusInvalidArguments, "Invalid json text: {not json")
	r := ins(&gpb.Value{ValueData: &gpb.Value_BinaryValue{BinaryValue: []byte("{}")}})
	r.expectErr(t, codes.Internal, StatusUnexpected, "Unexpected, violated: Expected to value data to be a string.")
	ins(sv(`{"a":1}`)).expectOK(t, 1)
	ti, _ := s.Table("public", "j")
	if col, _ := ti.Column("doc"); col.Type != table.JSON {
		t.Fatalf("doc column = %+v", col)
	}
	if txt, _ := s.Rows("public", "j")[0][1].AsString(); txt != `{"a":1}` {
		t.Fatalf("json read back = %q", txt)
	}

	vec := &gpb.ColumnSchema{
		ColumnName: "v", Datatype: gpb.ColumnDataType_VECTOR, SemanticType: gpb.SemanticType_FIELD,
		DatatypeExtension: &gpb.ColumnDataTypeExtension{TypeExt: &gpb.ColumnDataTypeExtension_VectorType{VectorType: &gpb.VectorTypeExtension{Dim: 2}}},
	}
	vins := func(schema []*gpb.ColumnSchema, vals ...*gpb.Value) result {
		return c.insert("public", []*gpb.RowInsertRequest{req("v", schema, row(vals...))})
	}
	vins(cols(vec, ts("ts")), &gpb.Value{ValueData: &gpb.Value_BinaryValue{BinaryValue: make([]byte, 4)}}, tv(1)).
		expectErr(t, codes.InvalidArgument, StatusInvalidArguments, "Expecting 8 bytes of data for vector column, but got 4.")
	vins(cols(vec, ts("ts")), sv("x"), tv(1)).
		expectErr(t, codes.InvalidArgument, StatusInvalidArguments, "Expecting binary data for vector column.")
	// The check stops at the first column that is not a VECTOR (§7.8): a
	// bad vector after the timestamp passes preprocessing and is stored.
	vins(cols(ts("ts"), vec), tv(1), &gpb.Value{ValueData: &gpb.Value_BinaryValue{BinaryValue: make([]byte, 4)}}).expectOK(t, 1)
	if ti, _ := s.Table("public", "v"); ti.Columns[1].VectorDim != 2 {
		t.Fatalf("vector dim = %+v", ti.Columns[1])
	}
}

func TestInternalErrorsAreMasked(t *testing.T) {
	for _, code := range []StatusCode{StatusInternal, StatusUnknown} {
		e := &Error{Code: code, Msg: "secret detail"}
		if got := e.Error(); got != "Internal error: "+itoa(int(code)) {
			t.Fatalf("%d: %q", code, got)
		}
	}
	if got := (&Error{Code: StatusUnexpected, Msg: "visible"}).Error(); got != "visible" {
		t.Fatalf("Unexpected must stay visible, got %q", got)
	}
	if StatusRegionBusy.grpcCode() != codes.ResourceExhausted || StatusTableNotFound.grpcCode() != codes.NotFound ||
		StatusStorageUnavailable.grpcCode() != codes.Unavailable || StatusAccessDenied.grpcCode() != codes.PermissionDenied {
		t.Fatal("status code mapping broken")
	}
}

func TestInvalidTableName(t *testing.T) {
	s := StartT(t, Options{})
	c := dial(t, s)
	c.insert("public", []*gpb.RowInsertRequest{req("9lives", cpuSchema(), row(sv("a"), tv(1), fv(1)))}).
		expectErr(t, codes.InvalidArgument, StatusInvalidArguments, "Invalid table name: 9lives")
	c.insert("public", []*gpb.RowInsertRequest{req("cpu load", cpuSchema(), row(sv("a"), tv(1), fv(1)))}).
		expectErr(t, codes.InvalidArgument, StatusInvalidArguments, "Invalid table name: cpu load")
	c.sql("public", `CREATE TABLE "a b" (ts TIMESTAMP TIME INDEX)`).
		expectErr(t, codes.InvalidArgument, StatusInvalidArguments, "Invalid table name: a b")
	c.insert("public", []*gpb.RowInsertRequest{req("_ok:v1.2@x#", cpuSchema(), row(sv("a"), tv(1), fv(1)))}).expectOK(t, 1)
	if len(s.Tables("public")) != 1 {
		t.Fatalf("tables = %v", s.Tables("public"))
	}
}

func TestSameTableTwiceInOneCall(t *testing.T) {
	s := StartT(t, Options{})
	c := dial(t, s)
	wide := append(cpuSchema(), field("extra", gpb.ColumnDataType_INT64))
	// Both requests plan a create; the second finds the table created and
	// its extra column is then unknown, as in GreptimeDB.
	c.insert("public", []*gpb.RowInsertRequest{
		req("t", cpuSchema(), row(sv("a"), tv(1), fv(1))),
		req("t", wide, row(sv("b"), tv(1), fv(1), iv(1))),
	}).expectErr(t, codes.InvalidArgument, StatusInvalidArguments, region1024+`unknown columns: ["extra"]`)
	// On an existing table both alters add the column once.
	c.insert("public", []*gpb.RowInsertRequest{
		req("t", wide, row(sv("a"), tv(1), fv(1), iv(1))),
		req("t", wide, row(sv("b"), tv(1), fv(1), iv(2))),
	}).expectOK(t, 2)
	if ti, _ := s.Table("public", "t"); len(ti.Columns) != 4 {
		t.Fatalf("columns = %+v", ti.Columns)
	}
}

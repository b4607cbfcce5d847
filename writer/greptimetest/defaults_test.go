package greptimetest

import (
	"reflect"
	"testing"
	"time"

	gpb "github.com/GreptimeTeam/greptime-proto/go/greptime/v1"

	"github.com/greptime-bridge/greptime-bridge/writer/table"
)

func TestMissingColumnsGetDefaults(t *testing.T) {
	s := StartT(t, Options{})
	c := dial(t, s)
	c.sql("public", `CREATE TABLE d (host STRING PRIMARY KEY, ts TIMESTAMP(3) NOT NULL DEFAULT current_timestamp(),
		v DOUBLE DEFAULT 1.5, n INT NOT NULL DEFAULT -3, u BIGINT UNSIGNED DEFAULT 7, s STRING DEFAULT 'none', b BOOLEAN DEFAULT true,
		x DOUBLE, TIME INDEX (ts))`).expectOK(t, 0)
	before := time.Now().UnixMilli()
	c.insert("public", []*gpb.RowInsertRequest{req("d", cols(tag("host", gpb.ColumnDataType_STRING)), row(sv("a")))}).expectOK(t, 1)
	after := time.Now().UnixMilli()
	r := s.Rows("public", "d")[0]
	if ts, _ := r[1].AsInt64(); ts < before || ts > after {
		t.Errorf("ts default = %d, want within [%d, %d]", ts, before, after)
	}
	want := []table.Value{table.Float64Value(1.5), table.Int32Value(-3), table.Uint64Value(7), table.StringValue("none"), table.BoolValue(true), table.Null()}
	for i, w := range want {
		if !reflect.DeepEqual(r[2+i], w) {
			t.Errorf("column %d = %#v, want %#v", 2+i, r[2+i], w)
		}
	}
	// The bulk path fills defaults too.
	if _, err := s.appendRows(parseDB("public"), "d", []string{"host"}, [][]table.Value{{table.StringValue("b")}}, PathBulk); err != nil {
		t.Fatal(err)
	}
	if v := s.Rows("public", "d")[1][3]; !reflect.DeepEqual(v, table.Int32Value(-3)) {
		t.Fatalf("bulk default = %#v", v)
	}
}

func TestDefaultValueParsing(t *testing.T) {
	now := time.Unix(100, 0)
	tests := []struct {
		c    ColumnInfo
		want table.Value
	}{
		{ColumnInfo{Type: table.TimestampSecond, Default: "now()"}, table.TimestampSecondValue(100)},
		{ColumnInfo{Type: table.TimestampNanosecond, Default: "CURRENT_TIMESTAMP"}, table.TimestampNanosecondValue(100e9)},
		{ColumnInfo{Type: table.Int8, Default: "-8"}, table.Int8Value(-8)},
		{ColumnInfo{Type: table.Float32, Default: "0.5"}, table.Float32Value(0.5)},
		{ColumnInfo{Type: table.Int64, Default: "'x'"}, table.Null()},
		{ColumnInfo{Type: table.String, Default: "NULL"}, table.Null()},
		{ColumnInfo{Type: table.Int16, Default: "abs(1)"}, table.Null()},
	}
	for _, tt := range tests {
		if got := defaultValue(tt.c, now); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%s %q = %#v, want %#v", tt.c.Type, tt.c.Default, got, tt.want)
		}
	}
}

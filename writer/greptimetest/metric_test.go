package greptimetest

import (
	"testing"

	gpb "github.com/GreptimeTeam/greptime-proto/go/greptime/v1"
	"google.golang.org/grpc/codes"

	"github.com/greptime-bridge/greptime-bridge/writer/table"
)

func promSchema(labels ...string) []*gpb.ColumnSchema {
	cs := cols(ts("greptime_timestamp"), field("greptime_value", gpb.ColumnDataType_FLOAT64))
	for _, l := range labels {
		cs = append(cs, tag(l, gpb.ColumnDataType_STRING))
	}
	return cs
}

func TestMetricEngine(t *testing.T) {
	s := StartT(t, Options{})
	c := dial(t, s)
	hint := []string{"x-greptime-hints", "physical_table=phy,ttl=30d"}
	c.insert("public", []*gpb.RowInsertRequest{
		req("up", promSchema("job"), row(tv(1), fv(1), sv("node"))),
		req("load", promSchema("host"), row(tv(1), fv(0.5), sv("h1"))),
	}, hint...).expectOK(t, 2)

	phy, ok := s.Table("public", "phy")
	if !ok || phy.Engine != "metric" || phy.TimeIndex != "greptime_timestamp" || phy.Options["physical_metric_table"] != "true" {
		t.Fatalf("physical table = %+v", phy)
	}
	if _, ok := phy.Column("job"); !ok {
		t.Fatal("physical table should hold the logical tables' tags")
	}
	if _, ok := phy.Column("host"); !ok {
		t.Fatal("physical table should hold the logical tables' tags")
	}
	if v, _ := phy.Column("greptime_value"); v.Type != table.Float64 {
		t.Fatalf("greptime_value = %+v", v)
	}
	up, _ := s.Table("public", "up")
	if up.Engine != "metric" || up.PhysicalTable != "phy" || up.Options["on_physical_table"] != "phy" || up.Options["ttl"] != "30days" {
		t.Fatalf("logical table = %+v", up)
	}

	// A later request with other names: the timestamp and the single field
	// are renamed to the table's; only the new tag is added.
	other := cols(ts("t"), field("v", gpb.ColumnDataType_FLOAT64), tag("job", gpb.ColumnDataType_STRING), tag("zone", gpb.ColumnDataType_STRING))
	c.insert("public", []*gpb.RowInsertRequest{req("up", other, row(tv(2), fv(3), sv("node"), sv("z1")))}, hint...).expectOK(t, 1)
	up, _ = s.Table("public", "up")
	if len(up.Columns) != 4 {
		t.Fatalf("columns after rename = %+v", up.Columns)
	}
	if _, ok := up.Column("t"); ok {
		t.Fatal("timestamp should have been renamed, not added")
	}
	if z, _ := up.Column("zone"); z.Semantic != table.Tag {
		t.Fatalf("zone = %+v", z)
	}
	if phy, _ := s.Table("public", "phy"); len(phy.Columns) != 5 {
		t.Fatalf("physical columns = %+v", phy.Columns)
	}
	c.insert("public", []*gpb.RowInsertRequest{req("phy", promSchema(), row(tv(1), fv(1)))}).
		expectErr(t, codes.Unimplemented, StatusUnsupported, "Write request to physical region is forbidden")
	c.insert("public", []*gpb.RowInsertRequest{req("up", append(promSchema("job"), tag("shard", gpb.ColumnDataType_INT32)),
		row(tv(3), fv(1), sv("node"), &gpb.Value{ValueData: &gpb.Value_I32Value{I32Value: 1}}))}, hint...).
		expectErr(t, codes.InvalidArgument, StatusInvalidArguments, "Column type mismatch. Expect String(StringType { size_type: Utf8 }), got Int32(Int32Type)")
	c.insert("public", []*gpb.RowInsertRequest{req("up", append(promSchema("job"), field("extra", gpb.ColumnDataType_FLOAT64)),
		row(tv(3), fv(1), sv("node"), fv(2)))}, hint...).
		expectErr(t, codes.InvalidArgument, StatusInvalidArguments, "Adding field column extra to physical table")
	rows := s.Rows("public", "up")
	if len(rows) != 2 {
		t.Fatalf("rows = %v", rows)
	}
	if v, _ := rows[1][1].AsFloat64(); v != 3 {
		t.Fatalf("renamed field value = %v", rows[1][1])
	}
}

func TestMetricEngineErrors(t *testing.T) {
	s := StartT(t, Options{})
	c := dial(t, s)
	hint := []string{"x-greptime-hints", "physical_table=phy"}
	c.insert("public", []*gpb.RowInsertRequest{req("m", cols(ts("ts"), field("a", gpb.ColumnDataType_FLOAT64), field("b", gpb.ColumnDataType_FLOAT64)),
		row(tv(1), fv(1), fv(2)))}, hint...).
		expectErr(t, codes.InvalidArgument, StatusInvalidArguments, "Multiple field column found: a and b")
	c.insert("public", []*gpb.RowInsertRequest{req("m", cols(ts("ts"), field("a", gpb.ColumnDataType_INT64)),
		row(tv(1), iv(1)))}, hint...).
		expectErr(t, codes.InvalidArgument, StatusInvalidArguments, "Column type mismatch. Expect Float64(Float64Type), got Int64(Int64Type)")
	c.insert("public", []*gpb.RowInsertRequest{req("m", cols(ts("ts"), field("a", gpb.ColumnDataType_FLOAT64), tag("n", gpb.ColumnDataType_INT64)),
		row(tv(1), fv(1), iv(1)))}, hint...).
		expectErr(t, codes.InvalidArgument, StatusInvalidArguments, "Column type mismatch. Expect String(StringType { size_type: Utf8 }), got Int64(Int64Type)")
	sec := &gpb.ColumnSchema{ColumnName: "ts", Datatype: gpb.ColumnDataType_TIMESTAMP_SECOND, SemanticType: gpb.SemanticType_TIMESTAMP}
	c.insert("public", []*gpb.RowInsertRequest{req("m", cols(sec, field("a", gpb.ColumnDataType_FLOAT64)),
		row(&gpb.Value{ValueData: &gpb.Value_TimestampSecondValue{TimestampSecondValue: 1}}, fv(1)))}, hint...).
		expectErr(t, codes.InvalidArgument, StatusInvalidArguments, "Unexpected request: Metric has differenttime unit (Second) than the physical region (Millisecond)")
	c.insert("public", []*gpb.RowInsertRequest{req("m", cols(ts("greptime_timestamp"), field("val", gpb.ColumnDataType_FLOAT64)),
		row(tv(1), fv(1)))}, hint...).
		expectErr(t, codes.InvalidArgument, StatusInvalidArguments, "Adding field column val to physical table")
	c.insert("public", []*gpb.RowInsertRequest{req("m", cols(ts("time"), field("greptime_value", gpb.ColumnDataType_FLOAT64)),
		row(tv(1), fv(1)))}, hint...).
		expectErr(t, codes.InvalidArgument, StatusInvalidArguments, "Adding field column time to physical table")
	if _, ok := s.Table("public", "m"); ok {
		t.Fatal("failed logical create left a table")
	}

	c.insert("public", []*gpb.RowInsertRequest{req("m", promSchema(), row(tv(1), fv(1)))}, "x-greptime-hints", "physical_table=").
		expectErr(t, codes.InvalidArgument, StatusInvalidArguments, "Invalid table name: ")

	f := false
	off := StartT(t, Options{AutoCreateTable: &f})
	dial(t, off).insert("public", []*gpb.RowInsertRequest{req("m", promSchema(), row(tv(1), fv(1)))}, hint...).
		expectErr(t, codes.InvalidArgument, StatusInvalidArguments,
			"Invalid InsertRequest, reason: Physical table `phy` does not exist, and auto-create table is disabled by frontend config")
}

func TestMetricLogicalWriteChecks(t *testing.T) {
	s := StartT(t, Options{})
	c := dial(t, s)
	hint := []string{"x-greptime-hints", "physical_table=phy"}
	c.insert("public", []*gpb.RowInsertRequest{
		req("up", promSchema("job"), row(tv(1), fv(1), sv("node"))), // table 1025 on physical 1024
		req("load", promSchema("host"), row(tv(1), fv(1), sv("h1"))),
	}, hint...).expectOK(t, 2)
	noCreate := []string{"x-greptime-hints", "physical_table=phy,auto_create_table=false"}
	const region1025 = "4402341478400(1025, 0)"
	c.insert("public", []*gpb.RowInsertRequest{req("up", promSchema("job", "zone"), row(tv(2), fv(1), sv("node"), sv("z")))}, noCreate...).
		expectErr(t, codes.NotFound, StatusTableColumnNotFound, "Column zone not found in logical region "+region1025)
	c.insert("public", []*gpb.RowInsertRequest{req("up", cols(field("greptime_value", gpb.ColumnDataType_FLOAT64), tag("job", gpb.ColumnDataType_STRING)),
		row(fv(1), sv("node")))}, noCreate...).
		expectErr(t, codes.InvalidArgument, StatusInvalidArguments,
			"Invalid request for region "+region1025+", reason: missing required time index column greptime_timestamp")
	c.insert("public", []*gpb.RowInsertRequest{req("up", cols(ts("greptime_timestamp"), field("greptime_value", gpb.ColumnDataType_FLOAT64), field("job", gpb.ColumnDataType_STRING)),
		row(tv(2), fv(1), sv("node")))}, noCreate...).
		expectErr(t, codes.InvalidArgument, StatusInvalidArguments,
			"Invalid request for region "+region1025+", reason: column job expect semantic type Tag, given: FIELD(1)")
	// "host" belongs to another logical table on the same physical table:
	// the metric engine accepts it; it is not part of "up".
	c.insert("public", []*gpb.RowInsertRequest{req("up", promSchema("job", "host"), row(tv(3), fv(2), sv("node"), sv("h9")))}, noCreate...).expectOK(t, 1)
	if ti, _ := s.Table("public", "up"); len(ti.Columns) != 3 {
		t.Fatalf("up columns = %+v", ti.Columns)
	}
	if n := s.RowCount("public", "up"); n != 2 {
		t.Fatalf("up rows = %d", n)
	}
}

package greptimetest

import (
	"testing"

	gpb "github.com/GreptimeTeam/greptime-proto/go/greptime/v1"
	"google.golang.org/grpc/codes"

	"github.com/greptime-bridge/greptime-bridge/writer/table"
)

func TestSQLCreateDatabase(t *testing.T) {
	s := StartT(t, Options{})
	c := dial(t, s)
	c.sql("public", "CREATE DATABASE metrics").expectOK(t, 1)
	c.sql("public", "create database if not exists metrics;").expectOK(t, 1)
	c.sql("public", "CREATE DATABASE metrics").expectErr(t, codes.InvalidArgument, StatusInvalidArguments, "Schema metrics already exists")
	c.sql("public", `CREATE DATABASE "bad name"`).expectErr(t, codes.Internal, StatusUnexpected, "Unexpected, violated: Invalid database name: bad name")
	c.insert("metrics", []*gpb.RowInsertRequest{req("t", cpuSchema(), row(sv("a"), tv(1), fv(1)))}).expectOK(t, 1)
	if _, ok := s.Table("greptime-metrics", "t"); !ok {
		t.Fatal("insert into the new database failed")
	}
}

func TestSQLCreateTable(t *testing.T) {
	s := StartT(t, Options{})
	c := dial(t, s)
	c.sql("public", `CREATE TABLE IF NOT EXISTS public.sensors (
		host STRING NOT NULL,
		"Region" VARCHAR(10) NULL,
		ts TIMESTAMP(9) DEFAULT current_timestamp(),
		temp DOUBLE DEFAULT 0,
		n BIGINT UNSIGNED,
		i8 INT8,
		price DECIMAL(10, 2),
		doc JSON,
		emb VECTOR(3),
		msg STRING FULLTEXT INDEX WITH (analyzer = 'English', case_sensitive = 'false'),
		ok BOOLEAN COMMENT 'flag',
		d DATETIME,
		TIME INDEX (ts),
		PRIMARY KEY (host, "Region")
	) PARTITION ON COLUMNS (host) (host < 'm', host >= 'm')
	ENGINE=mito WITH (ttl = '7d', 'append_mode' = 'true', 'compaction.type' = 'twcs')`).expectOK(t, 0)
	ti, ok := s.Table("public", "sensors")
	if !ok {
		t.Fatal("table not created")
	}
	want := map[string]table.DataType{
		"host": table.String, "Region": table.String, "ts": table.TimestampNanosecond,
		"temp": table.Float64, "n": table.Uint64, "i8": table.Int64, "price": table.Decimal128, "doc": table.JSON,
		"emb": table.Vector, "msg": table.String, "ok": table.Boolean, "d": table.TimestampMicrosecond,
	}
	for name, typ := range want {
		col, ok := ti.Column(name)
		if !ok || col.Type != typ {
			t.Errorf("column %s = %+v, want type %v", name, col, typ)
		}
	}
	host, _ := ti.Column("host")
	tsCol, _ := ti.Column("ts")
	price, _ := ti.Column("price")
	emb, _ := ti.Column("emb")
	msg, _ := ti.Column("msg")
	if host.Nullable || host.Semantic != table.Tag || tsCol.Nullable || tsCol.Semantic != table.Timestamp || tsCol.Default != "current_timestamp()" {
		t.Errorf("host %+v ts %+v", host, tsCol)
	}
	if price.Precision != 10 || price.Scale != 2 || emb.VectorDim != 3 || msg.Options["fulltext"] != "true" || msg.Options["fulltext.analyzer"] != "English" {
		t.Errorf("price %+v emb %+v msg %+v", price, emb, msg)
	}
	if ti.TimeIndex != "ts" || len(ti.PrimaryKey) != 2 || ti.PrimaryKey[1] != "Region" || ti.Options["ttl"] != "7days" ||
		ti.Options["append_mode"] != "true" || ti.Partition == "" {
		t.Errorf("table = %+v", ti)
	}
	if sqlTypeName(tsCol) != "TIMESTAMP(9)" || sqlTypeName(price) != "DECIMAL(10,2)" || sqlTypeName(host) != "STRING" {
		t.Errorf("type names %s %s %s", sqlTypeName(tsCol), sqlTypeName(price), sqlTypeName(host))
	}
	// Rows with equal keys stay apart in an append-mode table.
	c.insert("public", []*gpb.RowInsertRequest{req("sensors",
		cols(tag("host", gpb.ColumnDataType_STRING), &gpb.ColumnSchema{ColumnName: "ts", Datatype: gpb.ColumnDataType_TIMESTAMP_NANOSECOND, SemanticType: gpb.SemanticType_TIMESTAMP}),
		row(sv("a"), &gpb.Value{ValueData: &gpb.Value_TimestampNanosecondValue{TimestampNanosecondValue: 1}}),
		row(sv("a"), &gpb.Value{ValueData: &gpb.Value_TimestampNanosecondValue{TimestampNanosecondValue: 1}}))}).expectOK(t, 2)
	if n := s.RowCount("public", "sensors"); n != 2 {
		t.Fatalf("append-mode rows = %d", n)
	}
	// A row insert that omits the NOT NULL host is refused.
	c.insert("public", []*gpb.RowInsertRequest{req("sensors",
		cols(&gpb.ColumnSchema{ColumnName: "ts", Datatype: gpb.ColumnDataType_TIMESTAMP_NANOSECOND, SemanticType: gpb.SemanticType_TIMESTAMP}),
		row(&gpb.Value{ValueData: &gpb.Value_TimestampNanosecondValue{TimestampNanosecondValue: 1}}))}).
		expectErr(t, codes.InvalidArgument, StatusInvalidArguments, region1024+"missing column host")

	c.sql("public", "CREATE TABLE IF NOT EXISTS sensors (ts TIMESTAMP TIME INDEX)").expectOK(t, 0)
	c.sql("public", "CREATE TABLE sensors (ts TIMESTAMP TIME INDEX)").
		expectErr(t, codes.AlreadyExists, StatusTableAlreadyExists, "Table already exists: `greptime.public.sensors`")
}

func TestSQLCreateTableErrors(t *testing.T) {
	s := StartT(t, Options{})
	c := dial(t, s)
	tests := []struct {
		sql    string
		code   codes.Code
		status StatusCode
		msg    string
	}{
		{"CREATE TABLE t (a INT)", codes.InvalidArgument, StatusInvalidSyntax, "Missing time index constraint"},
		{
			"CREATE TABLE t (a INT TIME INDEX)", codes.InvalidArgument, StatusInvalidSyntax,
			"Invalid column option, column name: a, error: time index column data type should be timestamp",
		},
		{
			"CREATE TABLE t (a TIMESTAMP, b TIMESTAMP, TIME INDEX (a), TIME INDEX (b))", codes.InvalidArgument, StatusInvalidSyntax,
			"Invalid time index: expected only one time index constraint but actual 2",
		},
		{
			"CREATE TABLE t (a TIMESTAMP, TIME INDEX (b))", codes.InvalidArgument, StatusInvalidSyntax,
			"Invalid time index: time index column b not found in columns",
		},
		{
			"CREATE TABLE t (a TIMESTAMP TIME INDEX, i INTERVAL)", codes.InvalidArgument, StatusInvalidArguments,
			"Invalid SQL, error: column name `i` is interval type, which is not supported",
		},
		{"CREATE TABLE t (a TIMESTAMP TIME INDEX, b TIME)", codes.InvalidArgument, StatusInvalidSyntax, "SQL data type not supported yet: Time(None, None)"},
		{"CREATE TABLE t (a TIMESTAMP TIME INDEX, b TIME(3))", codes.InvalidArgument, StatusInvalidSyntax, "SQL data type not supported yet: Time(Some(3), None)"},
		{"CREATE TABLE t (a TIMESTAMP TIME INDEX, b MONEY)", codes.InvalidArgument, StatusInvalidSyntax, "SQL data type not supported yet: MONEY"},
		{"CREATE TABLE t (a TIMESTAMP(4) TIME INDEX)", codes.InvalidArgument, StatusInvalidSyntax, "SQL data type not supported yet: Timestamp(Some(4), None)"},
		{
			"CREATE TABLE t (a TIMESTAMP TIME INDEX) WITH (colour = 'red')", codes.InvalidArgument, StatusInvalidArguments,
			"Unrecognized table option key: colour",
		},
		{
			"CREATE TABLE t (a TIMESTAMP TIME INDEX, PRIMARY KEY (a))", codes.InvalidArgument, StatusInvalidArguments,
			"Invalid SQL, error: column name `a` is both primary key and time index",
		},
		{"CREATE TABLE t (a TIMESTAMP TIME INDEX", codes.InvalidArgument, StatusInvalidSyntax, "Invalid SQL syntax: sql parser error:"},
		{"CREATE TABLE nope.t (a TIMESTAMP TIME INDEX)", codes.InvalidArgument, StatusInvalidArguments, "Failed to find schema, schema info: nope"},
		{
			"CREATE DATABASE a; CREATE DATABASE b", codes.Unimplemented, StatusUnsupported,
			"Not supported: execute multiple statements in SQL query string through GRPC interface",
		},
		{"CREATE TABLE t (s STRING 'unterminated", codes.InvalidArgument, StatusInvalidSyntax, "unterminated quoted text"},
	}
	for _, tt := range tests {
		t.Run(tt.sql, func(t *testing.T) {
			c.sql("public", tt.sql).expectErr(t, tt.code, tt.status, tt.msg)
		})
	}
	if len(s.Tables("public")) != 0 {
		t.Fatalf("tables = %v", s.Tables("public"))
	}
	r := c.sql("public", "SELECT 1")
	if r.code() != codes.Unimplemented || r.msg() != "GreptimeDatabase::Handle for query" {
		t.Fatalf("select: %v", r.err)
	}
	if r := c.sql("public", "INSERT INTO t VALUES (1)"); r.code() != codes.Unimplemented {
		t.Fatalf("insert: %v", r.err)
	}
}

func TestSQLAlterAndDrop(t *testing.T) {
	s := StartT(t, Options{})
	c := dial(t, s)
	c.sql("public", "CREATE TABLE t (host STRING PRIMARY KEY, ts TIMESTAMP(3) NOT NULL, v DOUBLE, TIME INDEX (ts))").expectOK(t, 0)
	c.sql("public", "ALTER TABLE t ADD COLUMN dc STRING PRIMARY KEY").expectOK(t, 0)
	c.sql("public", "ALTER TABLE public.t ADD note STRING AFTER v").expectOK(t, 0)
	ti, _ := s.Table("public", "t")
	if dc, _ := ti.Column("dc"); dc.Semantic != table.Tag || len(ti.PrimaryKey) != 2 {
		t.Fatalf("table = %+v", ti)
	}
	c.sql("public", "ALTER TABLE t ADD COLUMN v DOUBLE").
		expectErr(t, codes.AlreadyExists, StatusTableColumnExists, "Column v already exists in table t")
	c.sql("public", "ALTER TABLE nope ADD COLUMN v DOUBLE").
		expectErr(t, codes.NotFound, StatusTableNotFound, "Table not found: greptime.public.nope")
	if r := c.sql("public", "ALTER TABLE t DROP COLUMN v"); r.code() != codes.Unimplemented {
		t.Fatalf("drop column: %v", r.err)
	}
	c.sql("public", "DROP TABLE IF EXISTS nope, t").expectOK(t, 0)
	if _, ok := s.Table("public", "t"); ok {
		t.Fatal("table not dropped")
	}
	c.sql("public", "DROP TABLE t").expectErr(t, codes.NotFound, StatusTableNotFound, "Table not found: greptime.public.t")
}

func TestSQLMetricTables(t *testing.T) {
	s := StartT(t, Options{})
	c := dial(t, s)
	c.sql("public", `CREATE TABLE phy (greptime_timestamp TIMESTAMP(3) TIME INDEX, greptime_value DOUBLE)
		ENGINE=metric WITH ("physical_metric_table" = "")`).expectOK(t, 0)
	c.sql("public", `CREATE TABLE up (greptime_timestamp TIMESTAMP(3) TIME INDEX, greptime_value DOUBLE, job STRING PRIMARY KEY)
		ENGINE=metric WITH (on_physical_table = 'phy')`).expectOK(t, 0)
	up, _ := s.Table("public", "up")
	if up.Engine != "metric" || up.PhysicalTable != "phy" {
		t.Fatalf("logical = %+v", up)
	}
	if phy, _ := s.Table("public", "phy"); len(phy.Columns) != 3 {
		t.Fatalf("physical = %+v", phy)
	}
	c.sql("public", `CREATE TABLE bare (ts TIMESTAMP TIME INDEX, v DOUBLE) ENGINE=metric`).
		expectErr(t, codes.InvalidArgument, StatusInvalidArguments, "Required table option is missing")
	c.sql("public", `CREATE TABLE both (ts TIMESTAMP TIME INDEX, v DOUBLE) ENGINE=metric WITH (physical_metric_table='', on_physical_table='phy')`).
		expectErr(t, codes.InvalidArgument, StatusInvalidArguments, "Region options are conflicted")
	c.sql("public", `CREATE TABLE phy2 (ts TIMESTAMP TIME INDEX, v BIGINT) ENGINE=metric WITH (physical_metric_table='')`).
		expectErr(t, codes.InvalidArgument, StatusInvalidArguments, "Column type mismatch. Expect Float64(Float64Type), got Int64(Int64Type)")
	c.sql("public", `CREATE TABLE down (greptime_timestamp TIMESTAMP(3) TIME INDEX, greptime_value DOUBLE) ENGINE=metric WITH (on_physical_table = 'missing')`).
		expectErr(t, codes.NotFound, StatusTableNotFound, "Table not found: greptime.public.missing")
}

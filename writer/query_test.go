package writer_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"google.golang.org/grpc/codes"

	"github.com/greptime-bridge/greptime-bridge/writer"
	"github.com/greptime-bridge/greptime-bridge/writer/errs"
	"github.com/greptime-bridge/greptime-bridge/writer/greptimetest"
	"github.com/greptime-bridge/greptime-bridge/writer/table"
)

// seedTypes creates a table of several types by SQL and writes three rows,
// one with NULLs.
func seedTypes(t *testing.T, c *writer.Client) {
	t.Helper()
	if _, err := c.ExecSQL(ctxT(t), `CREATE TABLE typed (
		ts TIMESTAMP(3) TIME INDEX, host STRING, n BIGINT, u INT UNSIGNED, f DOUBLE, ok BOOLEAN, raw VARBINARY,
		PRIMARY KEY (host))`); err != nil {
		t.Fatal(err)
	}
	b := table.NewSchema("typed").Timestamp("ts", table.TimestampMillisecond).Tag("host", table.String).
		Field("n", table.Int64).Field("u", table.Uint32).Field("f", table.Float64).Field("ok", table.Boolean).
		Field("raw", table.Binary).NewBatch("")
	rows := [][]table.Value{
		{table.TimestampMillisecondValue(3), table.StringValue("c"), table.Int64Value(-3), table.Uint32Value(3), table.Float64Value(0.5), table.BoolValue(true), table.BinaryValue([]byte{1, 2})},
		{table.TimestampMillisecondValue(1), table.StringValue("a"), table.Null(), table.Null(), table.Null(), table.Null(), table.Null()},
		{table.TimestampMillisecondValue(2), table.StringValue("b"), table.Int64Value(7), table.Uint32Value(9), table.Float64Value(-1.25), table.BoolValue(false), table.BinaryValue([]byte{})},
	}
	for _, r := range rows {
		if err := b.AddRow(r...); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := c.Write(ctxT(t), b); err != nil {
		t.Fatal(err)
	}
}

func TestQueryRowsTypesAndNulls(t *testing.T) {
	_, c := startWithClient(t, greptimetest.Options{})
	seedTypes(t, c)
	rows, err := c.QueryRows(ctxT(t), "SELECT * FROM typed ORDER BY ts")
	if err != nil {
		t.Fatal(err)
	}
	wantCols := []writer.QueryColumn{
		{Name: "ts", Type: table.TimestampMillisecond},
		{Name: "host", Type: table.String},
		{Name: "n", Type: table.Int64},
		{Name: "u", Type: table.Uint32},
		{Name: "f", Type: table.Float64},
		{Name: "ok", Type: table.Boolean},
		{Name: "raw", Type: table.Binary},
	}
	if len(rows.Columns) != len(wantCols) {
		t.Fatalf("columns %+v", rows.Columns)
	}
	for i, w := range wantCols {
		if rows.Columns[i] != w {
			t.Errorf("column %d = %+v, want %+v", i, rows.Columns[i], w)
		}
	}
	if len(rows.Values) != 3 {
		t.Fatalf("%d rows", len(rows.Values))
	}
	first := rows.Values[0]
	if ts, _ := first[0].AsInt64(); ts != 1 {
		t.Errorf("first row ts %v, want 1 (ORDER BY ts)", first[0])
	}
	for j := 2; j < len(first); j++ {
		if !first[j].IsNull() {
			t.Errorf("row a column %s = %v, want NULL", rows.Columns[j].Name, first[j])
		}
	}
	last := rows.Values[2]
	if !last[2].Equal(table.Int64Value(-3)) || !last[3].Equal(table.Uint32Value(3)) || !last[4].Equal(table.Float64Value(0.5)) ||
		!last[5].Equal(table.BoolValue(true)) || !last[6].Equal(table.BinaryValue([]byte{1, 2})) {
		t.Errorf("row c = %v", last)
	}
	if rows.Index("f") != 4 || rows.Index("missing") != -1 {
		t.Errorf("Index: f=%d missing=%d", rows.Index("f"), rows.Index("missing"))
	}
}

func TestQueryRecordsReleased(t *testing.T) {
	_, c := startWithClient(t, greptimetest.Options{})
	seedTypes(t, c)
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	res, err := c.Query(ctxT(t), "SELECT host, n FROM typed WHERE n > 0", writer.QueryAllocator(mem))
	if err != nil {
		t.Fatal(err)
	}
	if res.Schema.NumFields() != 2 || res.Schema.Field(1).Type.ID() != arrow.INT64 || res.NumRows() != 1 {
		t.Fatalf("schema %v, %d rows", res.Schema, res.NumRows())
	}
	res.Release()
	mem.AssertSize(t, 0)
}

func TestQueryEmptyResult(t *testing.T) {
	_, c := startWithClient(t, greptimetest.Options{})
	seedTypes(t, c)
	rows, err := c.QueryRows(ctxT(t), "SELECT host FROM typed WHERE host = 'nobody'")
	if err != nil {
		t.Fatal(err)
	}
	if len(rows.Columns) != 1 || rows.Columns[0].Name != "host" || len(rows.Values) != 0 || rows.HasAffectedRows {
		t.Errorf("empty result %+v", rows)
	}
}

func TestQueryStatementAffectedRows(t *testing.T) {
	s, c := startWithClient(t, greptimetest.Options{})
	res, err := c.Query(ctxT(t), "CREATE TABLE q (ts TIMESTAMP TIME INDEX, v DOUBLE)")
	if err != nil {
		t.Fatal(err)
	}
	if res.Schema != nil || !res.HasAffectedRows || res.AffectedRows != 0 {
		t.Errorf("CREATE TABLE answered %+v", res)
	}
	if _, ok := s.Table("public", "q"); !ok {
		t.Error("table not created through DoGet")
	}
}

func TestQueryErrors(t *testing.T) {
	_, c := startWithClient(t, greptimetest.Options{})
	_, err := c.Query(ctxT(t), "SELECT * FROM nowhere")
	var se *writer.ServerError
	if !errors.As(err, &se) || se.Status != writer.StatusTableNotFound {
		t.Fatalf("unknown table: %v", err)
	}
	if cl, _ := errs.Classify(err); cl != errs.BadData {
		t.Errorf("unknown table classified %v", cl)
	}
	_, err = c.Query(ctxT(t), "SELECT count(*) FROM information_schema.columns")
	if !errors.As(err, &se) || se.Code != codes.Unimplemented {
		t.Errorf("unsupported query: %v", err)
	}
	if _, err := c.Query(ctxT(t), " "); !errors.Is(err, writer.ErrInvalidInput) {
		t.Errorf("empty query: %v", err)
	}
}

func TestQueryAuth(t *testing.T) {
	s := greptimetest.StartT(t, greptimetest.Options{Users: map[string]string{"reader": "s3cret"}})
	cfg := writer.DefaultConfig(s.Addr())
	cfg.Username, cfg.Password = "reader", "wrong"
	bad := newClient(t, cfg)
	_, err := bad.Query(ctxT(t), "SELECT * FROM information_schema.tables")
	if cl, _ := errs.Classify(err); cl != errs.Unauthenticated {
		t.Fatalf("wrong password: class %v, err %v", cl, err)
	}
	cfg.Password = "s3cret"
	good := newClient(t, cfg)
	if _, err := good.QueryRows(ctxT(t), "SELECT * FROM information_schema.tables"); err != nil {
		t.Fatalf("right password: %v", err)
	}
}

func TestQueryTimeout(t *testing.T) {
	s, c := startWithClient(t, greptimetest.Options{}, func(cfg *writer.Config) { cfg.RequestTimeout = 50 * time.Millisecond })
	s.SetLatency(time.Minute)
	// No deadline on the context: RequestTimeout bounds the call.
	_, err := c.Query(context.Background(), "SELECT * FROM information_schema.tables")
	if !errors.Is(err, writer.ErrTimeout) {
		t.Fatalf("slow query: %v", err)
	}
}

func TestQueryRetried(t *testing.T) {
	s, c := startWithClient(t, greptimetest.Options{}, func(cfg *writer.Config) {
		cfg.Retry = &writer.RetryPolicy{MaxAttempts: 3, InitialBackoff: time.Millisecond, MaxBackoff: time.Millisecond}
	})
	s.FailNext(1, greptimetest.Fault{Method: "DoGet", Code: codes.Unavailable, Status: uint32(writer.StatusRegionNotReady), Retryable: true, Message: "region not ready"})
	if _, err := c.QueryRows(ctxT(t), "SELECT * FROM information_schema.tables"); err != nil {
		t.Fatal(err)
	}
	if n := s.Calls()["DoGet"]; n != 2 {
		t.Errorf("%d DoGet calls, want 2", n)
	}
}

func TestQueryInformationSchemaColumns(t *testing.T) {
	_, c := startWithClient(t, greptimetest.Options{})
	seedTypes(t, c)
	rows, err := c.QueryRows(ctxT(t), "SELECT column_name, data_type, greptime_data_type, semantic_type, is_nullable "+
		"FROM information_schema.columns WHERE table_schema = 'public' AND table_name = 'typed' ORDER BY ordinal_position")
	if err != nil {
		t.Fatal(err)
	}
	want := [][]string{
		{"ts", "timestamp(3)", "TimestampMillisecond", "TIMESTAMP", "NO"},
		{"host", "string", "String", "TAG", "YES"},
		{"n", "bigint", "Int64", "FIELD", "YES"},
		{"u", "int unsigned", "UInt32", "FIELD", "YES"},
		{"f", "double", "Float64", "FIELD", "YES"},
		{"ok", "boolean", "Boolean", "FIELD", "YES"},
		{"raw", "varbinary", "Binary", "FIELD", "YES"},
	}
	if len(rows.Values) != len(want) {
		t.Fatalf("%d rows: %v", len(rows.Values), rows.Values)
	}
	for i, w := range want {
		for j, cell := range w {
			if got, _ := rows.Values[i][j].AsString(); got != cell {
				t.Errorf("row %d %s = %q, want %q", i, rows.Columns[j].Name, got, cell)
			}
		}
	}
}

func TestTableColumns(t *testing.T) {
	_, c := startWithClient(t, greptimetest.Options{})
	seedTypes(t, c)
	cols, found, err := c.TableColumns(ctxT(t), "public", "typed")
	if err != nil || !found {
		t.Fatalf("found %v, err %v", found, err)
	}
	want := []writer.TableColumn{
		{Name: "ts", Type: table.TimestampMillisecond, Semantic: table.Timestamp},
		{Name: "host", Type: table.String, Semantic: table.Tag, Nullable: true},
		{Name: "n", Type: table.Int64, Semantic: table.Field, Nullable: true},
		{Name: "u", Type: table.Uint32, Semantic: table.Field, Nullable: true},
		{Name: "f", Type: table.Float64, Semantic: table.Field, Nullable: true},
		{Name: "ok", Type: table.Boolean, Semantic: table.Field, Nullable: true},
		{Name: "raw", Type: table.Binary, Semantic: table.Field, Nullable: true},
	}
	if len(cols) != len(want) {
		t.Fatalf("columns %+v", cols)
	}
	for i := range want {
		if cols[i] != want[i] {
			t.Errorf("column %d = %+v, want %+v", i, cols[i], want[i])
		}
	}
	if _, found, err := c.TableColumns(ctxT(t), "greptime-public", "typed"); err != nil || !found {
		t.Errorf("catalog-schema name: found %v, err %v", found, err)
	}
	if cols, found, err := c.TableColumns(ctxT(t), "public", "it's missing"); err != nil || found || len(cols) != 0 {
		t.Errorf("missing table: %v %v %v", cols, found, err)
	}
}

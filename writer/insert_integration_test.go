package writer_test

import (
	"errors"
	"strings"
	"testing"

	gpb "github.com/GreptimeTeam/greptime-proto/go/greptime/v1"
	"google.golang.org/grpc/codes"

	"github.com/greptime-bridge/greptime-bridge/writer"
	"github.com/greptime-bridge/greptime-bridge/writer/greptimetest"
	"github.com/greptime-bridge/greptime-bridge/writer/table"
)

func TestWriteAutoCreatesTableWithHints(t *testing.T) {
	s, c := startWithClient(t, greptimetest.Options{})
	b := cpuBatch(t, "cpu", 10, 1000)
	b.Hints.Set("ttl", "7d")
	b.Hints.Set("append_mode", "true")
	n, err := c.Write(ctxT(t), b)
	if err != nil || n != 10 {
		t.Fatalf("write: %d %v", n, err)
	}
	info, ok := s.Table("public", "cpu")
	if !ok {
		t.Fatal("table not created")
	}
	if info.TimeIndex != "ts" || len(info.PrimaryKey) != 1 || info.PrimaryKey[0] != "host" {
		t.Errorf("time index %q, primary key %v", info.TimeIndex, info.PrimaryKey)
	}
	if info.Options["ttl"] != "7days" || info.Options["append_mode"] != "true" {
		t.Errorf("table options %v", info.Options)
	}
	assertRows(t, s, "public", b)
	hints := s.LastHeaders("Handle").Get(writer.HeaderHints)
	if len(hints) != 1 || hints[0] != "append_mode=true,ttl=7d" {
		t.Errorf("x-greptime-hints = %q, want one entry", hints)
	}
	if got := s.PathCounts("public", "cpu")[greptimetest.PathRowInsert]; got != 10 {
		t.Errorf("row-insert path wrote %d rows", got)
	}
}

func TestWriteGroupsTablesByHints(t *testing.T) {
	s, c := startWithClient(t, greptimetest.Options{})
	a, b, d := cpuBatch(t, "a", 2, 0), cpuBatch(t, "b", 3, 0), cpuBatch(t, "d", 4, 0)
	d.Hints.Set("ttl", "1d")
	n, err := c.Write(ctxT(t), a, b, d)
	if err != nil || n != 9 {
		t.Fatalf("write: %d %v", n, err)
	}
	if calls := s.Calls()["Handle"]; calls != 2 {
		t.Errorf("%d Handle calls, want 2 (one per hint set)", calls)
	}
	for _, x := range []*table.Batch{a, b, d} {
		assertRows(t, s, "public", x)
	}
	if info, _ := s.Table("public", "d"); info.Options["ttl"] != "1day" {
		t.Errorf("hints of d not applied: %v", info.Options)
	}
	if info, _ := s.Table("public", "a"); info.Options["ttl"] != "" {
		t.Errorf("hints of d leaked to a: %v", info.Options)
	}
}

func TestInsertRawRequest(t *testing.T) {
	s, c := startWithClient(t, greptimetest.Options{})
	req := &gpb.RowInsertRequests{Inserts: []*gpb.RowInsertRequest{{
		TableName: "raw",
		Rows: &gpb.Rows{
			Schema: []*gpb.ColumnSchema{
				{ColumnName: "ts", Datatype: gpb.ColumnDataType_TIMESTAMP_SECOND, SemanticType: gpb.SemanticType_TIMESTAMP},
				{ColumnName: "v", Datatype: gpb.ColumnDataType_INT32, SemanticType: gpb.SemanticType_FIELD},
			},
			Rows: []*gpb.Row{
				{Values: []*gpb.Value{{ValueData: &gpb.Value_TimestampSecondValue{TimestampSecondValue: 1}}, {ValueData: &gpb.Value_I32Value{I32Value: 7}}}},
				{Values: []*gpb.Value{{ValueData: &gpb.Value_TimestampSecondValue{TimestampSecondValue: 2}}, {}}},
			},
		},
	}}}
	var h table.Hints
	h.Set("append_mode", "true")
	n, err := c.Insert(ctxT(t), req, writer.WithHints(h))
	if err != nil || n != 2 {
		t.Fatalf("insert: %d %v", n, err)
	}
	rows := s.Rows("public", "raw")
	if len(rows) != 2 || !rows[0][1].Equal(table.Int32Value(7)) || !rows[1][1].IsNull() {
		t.Errorf("rows %v", rows)
	}
	if got := s.LastHeaders("Handle").Get(writer.HeaderHints); len(got) != 1 || got[0] != "append_mode=true" {
		t.Errorf("hints %q", got)
	}
}

func TestInvalidInputSendsNothing(t *testing.T) {
	s, c := startWithClient(t, greptimetest.Options{})
	empty := table.NewSchema("cpu").Timestamp("ts", table.TimestampMillisecond).NewBatch("")
	nullTS := table.NewSchema("cpu").Timestamp("ts", table.TimestampMillisecond).Field("v", table.Int64).NewBatch("")
	_ = nullTS.AddRow(table.Null(), table.Int64Value(1))
	badHint := cpuBatch(t, "cpu", 1, 0)
	badHint.Hints.Set("ttl", "1d,append_mode=false")
	for name, b := range map[string]*table.Batch{"empty": empty, "null ts": nullTS, "bad hint": badHint} {
		// A valid batch in the same call must not be sent either.
		_, err := c.Write(ctxT(t), cpuBatch(t, "ok", 1, 0), b)
		var ie *writer.InvalidInputError
		if !errors.As(err, &ie) || ie.Table != "cpu" {
			t.Errorf("%s: got %v, want InvalidInputError for table cpu", name, err)
		}
	}
	if _, err := c.Insert(ctxT(t), &gpb.RowInsertRequests{}); !errors.Is(err, writer.ErrInvalidInput) {
		t.Errorf("empty raw insert: %v", err)
	}
	if calls := s.Calls()["Handle"]; calls != 0 {
		t.Errorf("%d Handle calls for invalid input", calls)
	}
}

func TestServerErrorsAreTyped(t *testing.T) {
	s, c := startWithClient(t, greptimetest.Options{})
	ctx := ctxT(t)
	t.Run("database not found", func(t *testing.T) {
		// GreptimeDB answers a row insert into a missing database with
		// operator's SchemaNotFound, an InvalidArguments error
		// (operator/src/error.rs), not DatabaseNotFound.
		_, err := c.WriteWith(ctx, []writer.InsertOption{writer.WithDatabase("nosuchdb")}, cpuBatch(t, "cpu", 1, 0))
		var se *writer.ServerError
		if !errors.As(err, &se) || se.Code != codes.InvalidArgument || !se.HasStatus || se.Status != writer.StatusInvalidArguments ||
			!strings.Contains(se.Message, "nosuchdb") {
			t.Fatalf("got %v, want InvalidArgument naming the schema", err)
		}
		if writer.IsRetryable(err) {
			t.Error("DatabaseNotFound reported retryable")
		}
	})
	t.Run("injected DatabaseNotFound", func(t *testing.T) {
		s.FailNext(1, greptimetest.Fault{Method: "Handle", Code: codes.NotFound, Status: uint32(writer.StatusDatabaseNotFound), Message: "Database not found: nosuchdb"})
		_, err := c.Write(ctx, cpuBatch(t, "cpu", 1, 0))
		var se *writer.ServerError
		if !errors.As(err, &se) || se.Code != codes.NotFound || se.Status != writer.StatusDatabaseNotFound || writer.IsRetryable(err) {
			t.Fatalf("got %v, want non-retryable NotFound / DatabaseNotFound", err)
		}
	})
	t.Run("type mismatch", func(t *testing.T) {
		if _, err := c.Write(ctx, cpuBatch(t, "typed", 1, 0)); err != nil {
			t.Fatal(err)
		}
		b := table.NewSchema("typed").Timestamp("ts", table.TimestampMillisecond).Field("usage", table.String).NewBatch("")
		_ = b.AddRow(table.TimestampMillisecondValue(5), table.StringValue("high"))
		_, err := c.Write(ctx, b)
		var se *writer.ServerError
		if !errors.As(err, &se) || se.Code != codes.InvalidArgument || se.Status != writer.StatusInvalidArguments {
			t.Fatalf("got %v, want InvalidArgument / InvalidArguments", err)
		}
		if writer.IsRetryable(err) {
			t.Error("type mismatch reported retryable")
		}
		if s.RowCount("public", "typed") != 1 {
			t.Error("mismatched row stored")
		}
	})
	t.Run("datetime column refused by the server", func(t *testing.T) {
		b := table.NewSchema("dt").Timestamp("ts", table.TimestampMillisecond).Field("d", table.Datetime).NewBatch("")
		_ = b.AddRow(table.TimestampMillisecondValue(1), table.DatetimeValue(1))
		_, err := c.Write(ctx, b)
		var se *writer.ServerError
		if !errors.As(err, &se) || se.Code != codes.InvalidArgument {
			t.Fatalf("got %v, want InvalidArgument from auto-create", err)
		}
	})
}

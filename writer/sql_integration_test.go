package writer_test

import (
	"errors"
	"testing"

	"github.com/greptime-bridge/greptime-bridge/writer"
	"github.com/greptime-bridge/greptime-bridge/writer/greptimetest"
	"github.com/greptime-bridge/greptime-bridge/writer/table"
)

func TestExecSQLCreatesTable(t *testing.T) {
	s, c := startWithClient(t, greptimetest.Options{})
	_, err := c.ExecSQL(ctxT(t), `CREATE TABLE IF NOT EXISTS logs (
		ts TIMESTAMP(3) TIME INDEX,
		host STRING,
		body STRING,
		PRIMARY KEY (host)
	) WITH (append_mode = 'true')`)
	if err != nil {
		t.Fatal(err)
	}
	info, ok := s.Table("public", "logs")
	if !ok {
		t.Fatal("table not created")
	}
	if info.TimeIndex != "ts" || len(info.PrimaryKey) != 1 || info.PrimaryKey[0] != "host" || info.Options["append_mode"] != "true" {
		t.Errorf("table %+v", info)
	}
	b := table.NewSchema("logs").Timestamp("ts", table.TimestampMillisecond).Tag("host", table.String).Field("body", table.String).NewBatch("")
	_ = b.AddRow(table.TimestampMillisecondValue(1), table.StringValue("h"), table.StringValue("hello"))
	if _, err := c.Write(ctxT(t), b); err != nil {
		t.Fatalf("insert into the SQL-created table: %v", err)
	}
	if _, err := c.ExecSQL(ctxT(t), "  "); !errors.Is(err, writer.ErrInvalidInput) {
		t.Errorf("empty statement: %v", err)
	}
}

func TestCreateSQLRunsOncePerClient(t *testing.T) {
	s, c := startWithClient(t, greptimetest.Options{})
	mk := func(start int64) *table.Batch {
		b := table.NewSchema("events").Timestamp("ts", table.TimestampMillisecond).Tag("host", table.String).NewBatch("")
		b.CreateSQL = "CREATE TABLE IF NOT EXISTS events (ts TIMESTAMP(3) TIME INDEX, host STRING, PRIMARY KEY (host))"
		_ = b.AddRow(table.TimestampMillisecondValue(start), table.StringValue("h"))
		return b
	}
	for i := int64(0); i < 3; i++ {
		if _, err := c.Write(ctxT(t), mk(i)); err != nil {
			t.Fatal(err)
		}
	}
	if calls := s.Calls()["Handle"]; calls != 4 {
		t.Errorf("%d Handle calls, want 1 create + 3 inserts", calls)
	}
	if s.RowCount("public", "events") != 3 {
		t.Errorf("rows %d", s.RowCount("public", "events"))
	}
}

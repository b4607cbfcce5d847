package greptimetest_test

import (
	"context"
	"errors"
	"io"
	"strconv"
	"strings"
	"testing"
	"time"

	gpb "github.com/GreptimeTeam/greptime-proto/go/greptime/v1"
	"github.com/apache/arrow-go/v18/arrow/flight"
	"github.com/apache/arrow-go/v18/arrow/ipc"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"

	"github.com/greptime-bridge/greptime-bridge/writer"
	"github.com/greptime-bridge/greptime-bridge/writer/greptimetest"
	"github.com/greptime-bridge/greptime-bridge/writer/table"
)

func queryClient(t *testing.T) (*greptimetest.Server, *writer.Client) {
	t.Helper()
	s := greptimetest.StartT(t, greptimetest.Options{})
	c, err := writer.NewClient(writer.DefaultConfig(s.Addr()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return s, c
}

func qctx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func mustExec(t *testing.T, c *writer.Client, sql string) {
	t.Helper()
	if _, err := c.ExecSQL(qctx(t), sql); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
}

func cells(t *testing.T, r *writer.Rows) [][]string {
	t.Helper()
	out := make([][]string, len(r.Values))
	for i, row := range r.Values {
		for _, v := range row {
			if v.IsNull() {
				out[i] = append(out[i], "NULL")
				continue
			}
			if str, ok := v.AsString(); ok {
				out[i] = append(out[i], str)
				continue
			}
			n, _ := v.AsInt64()
			out[i] = append(out[i], strconv.FormatInt(n, 10))
		}
	}
	return out
}

func TestDoGetDescribe(t *testing.T) {
	_, c := queryClient(t)
	mustExec(t, c, "CREATE TABLE d (ts TIMESTAMP(3) NOT NULL DEFAULT 0 TIME INDEX, host STRING, v DOUBLE, PRIMARY KEY (host))")
	r, err := c.QueryRows(qctx(t), "DESC TABLE d")
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, col := range r.Columns {
		names = append(names, col.Name)
	}
	if got := strings.Join(names, ","); got != "Column,Type,Key,Null,Default,Semantic Type" {
		t.Errorf("DESC columns %s", got)
	}
	got := cells(t, r)
	want := [][]string{
		{"ts", "TimestampMillisecond", "PRI", "NO", "0", "TIMESTAMP"},
		{"host", "String", "PRI", "YES", "", "TAG"},
		{"v", "Float64", "", "YES", "", "FIELD"},
	}
	for i := range want {
		if strings.Join(got[i], "|") != strings.Join(want[i], "|") {
			t.Errorf("row %d = %v, want %v", i, got[i], want[i])
		}
	}
}

func TestDoGetShowCreateTable(t *testing.T) {
	s, c := queryClient(t)
	mustExec(t, c, "CREATE TABLE sc (ts TIMESTAMP TIME INDEX, v DOUBLE) WITH (append_mode = 'true')")
	r, err := c.QueryRows(qctx(t), "SHOW CREATE TABLE sc")
	if err != nil {
		t.Fatal(err)
	}
	ti, _ := s.Table("public", "sc")
	if len(r.Values) != 1 || r.Columns[0].Name != "Table" || r.Columns[1].Name != "Create Table" {
		t.Fatalf("SHOW CREATE TABLE answered %+v", r)
	}
	if name, _ := r.Values[0][0].AsString(); name != "sc" {
		t.Errorf("Table = %q", name)
	}
	if ddl, _ := r.Values[0][1].AsString(); ddl != ti.CreateSQL() {
		t.Errorf("Create Table = %q, want %q", ddl, ti.CreateSQL())
	}
}

func TestDoGetInformationSchemaTables(t *testing.T) {
	_, c := queryClient(t)
	mustExec(t, c, "CREATE DATABASE other")
	mustExec(t, c, "CREATE TABLE a (ts TIMESTAMP TIME INDEX) WITH (ttl = '7d')")
	mustExec(t, c, "CREATE TABLE other.b (ts TIMESTAMP TIME INDEX)")
	r, err := c.QueryRows(qctx(t), "SELECT table_schema, table_name, table_type, engine FROM information_schema.tables ORDER BY table_name")
	if err != nil {
		t.Fatal(err)
	}
	got := cells(t, r)
	if len(got) != 2 || strings.Join(got[0], "|") != "public|a|BASE TABLE|mito" || strings.Join(got[1], "|") != "other|b|BASE TABLE|mito" {
		t.Errorf("tables %v", got)
	}
	r, err = c.QueryRows(qctx(t), "SELECT table_name FROM information_schema.tables WHERE table_schema = 'other'")
	if err != nil {
		t.Fatal(err)
	}
	if got := cells(t, r); len(got) != 1 || got[0][0] != "b" {
		t.Errorf("filtered by schema: %v", got)
	}
}

func TestDoGetSelectWhereOrderLimit(t *testing.T) {
	_, c := queryClient(t)
	mustExec(t, c, "CREATE TABLE m (ts TIMESTAMP(3) TIME INDEX, host STRING, v BIGINT, PRIMARY KEY (host))")
	if _, err := c.Query(qctx(t), "INSERT INTO m VALUES (1, 'a', 1)"); status.Code(err) != codes.Unimplemented {
		t.Errorf("INSERT through the query path: %v, want Unimplemented", err)
	}
	b := writerBatch(t)
	if _, err := c.Write(qctx(t), b); err != nil {
		t.Fatal(err)
	}
	cases := []struct{ q, want string }{
		{"SELECT host, v FROM m WHERE v >= 2 ORDER BY v DESC", "c,3;b,2"},
		{"SELECT host FROM m WHERE host <> 'a' AND v < 3", "b"},
		{"SELECT v FROM m ORDER BY host DESC LIMIT 1", "NULL"},
		// DataFusion sorts NULLs first when descending.
		{"SELECT host FROM m ORDER BY v DESC LIMIT 2", "d;c"},
		{"SELECT host FROM m ORDER BY v LIMIT 0", ""},
		{"SELECT host FROM m WHERE v IS NULL", "d"},
		{"SELECT host FROM m WHERE v = -5", ""},
	}
	for _, tc := range cases {
		r, err := c.QueryRows(qctx(t), tc.q)
		if err != nil {
			t.Fatalf("%s: %v", tc.q, err)
		}
		var rows []string
		for _, row := range cells(t, r) {
			rows = append(rows, strings.Join(row, ","))
		}
		if got := strings.Join(rows, ";"); got != tc.want {
			t.Errorf("%s = %q, want %q", tc.q, got, tc.want)
		}
	}
	for _, q := range []string{"SELECT nope FROM m", "SELECT host FROM m WHERE nope = 1"} {
		_, err := c.Query(qctx(t), q)
		var se *writer.ServerError
		if !errors.As(err, &se) || se.Status != writer.StatusPlanQuery {
			t.Errorf("%s: %v, want PlanQuery", q, err)
		}
	}
	for _, q := range []string{"SELECT count(*) FROM m", "SELECT host FROM m GROUP BY host", "SHOW TABLES", "SELECT * FROM information_schema.region_peers"} {
		if _, err := c.Query(qctx(t), q); status.Code(err) != codes.Unimplemented {
			t.Errorf("%s: %v, want Unimplemented", q, err)
		}
	}
}

// TestDoGetWire checks the answer's wire shape: a ticket that is not a
// GreptimeRequest is InvalidArgument, and a statement's answer is one
// FlightData with a NONE header and FlightMetadata{affected_rows}.
func TestDoGetWire(t *testing.T) {
	s := greptimetest.StartT(t, greptimetest.Options{})
	conn, err := grpc.NewClient(s.Addr(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = conn.Close() })
	fc := flight.NewFlightServiceClient(conn)
	read := func(ticket []byte) ([]*flight.FlightData, error) {
		st, err := fc.DoGet(qctx(t), &flight.Ticket{Ticket: ticket})
		if err != nil {
			return nil, err
		}
		var out []*flight.FlightData
		for {
			fd, err := st.Recv()
			if errors.Is(err, io.EOF) {
				return out, nil
			}
			if err != nil {
				return out, err
			}
			out = append(out, fd)
		}
	}
	if _, err := read([]byte{0xff, 0xff, 0xff}); status.Code(err) != codes.InvalidArgument {
		t.Errorf("garbage ticket: %v", err)
	}
	ticket, _ := proto.Marshal(&gpb.GreptimeRequest{
		Header:  &gpb.RequestHeader{Dbname: "public"},
		Request: &gpb.GreptimeRequest_Query{Query: &gpb.QueryRequest{Query: &gpb.QueryRequest_Sql{Sql: "CREATE DATABASE w"}}},
	})
	fds, err := read(ticket)
	if err != nil || len(fds) != 1 {
		t.Fatalf("CREATE DATABASE: %d messages, %v", len(fds), err)
	}
	msg := ipc.NewMessage(memory.NewBufferBytes(fds[0].DataHeader), memory.NewBufferBytes(fds[0].DataBody))
	defer msg.Release()
	var md gpb.FlightMetadata
	if msg.Type() != ipc.MessageNone || proto.Unmarshal(fds[0].AppMetadata, &md) != nil || md.GetAffectedRows().GetValue() != 1 {
		t.Errorf("answer type %v, metadata %v", msg.Type(), &md)
	}
}

// writerBatch is four rows of table m, the last with a NULL v.
func writerBatch(t *testing.T) *table.Batch {
	t.Helper()
	b := table.NewSchema("m").Timestamp("ts", table.TimestampMillisecond).Tag("host", table.String).Field("v", table.Int64).NewBatch("")
	for i, h := range []string{"a", "b", "c", "d"} {
		v := table.Int64Value(int64(i + 1))
		if h == "d" {
			v = table.Null()
		}
		if err := b.AddRow(table.TimestampMillisecondValue(int64(i)), table.StringValue(h), v); err != nil {
			t.Fatal(err)
		}
	}
	return b
}

// TestDoGetLogicalTableColumnOrder: a metric-engine logical table lists its
// columns sorted by name, whatever order it was created in (sqlness
// create_metric_table.result: t1 (ts, val, host) is host, ts, val).
func TestDoGetLogicalTableColumnOrder(t *testing.T) {
	_, c := queryClient(t)
	mustExec(t, c, `CREATE TABLE phy (ts TIMESTAMP TIME INDEX, val DOUBLE) ENGINE=metric WITH ("physical_metric_table" = "")`)
	mustExec(t, c, `CREATE TABLE t1 (ts TIMESTAMP TIME INDEX, val DOUBLE, host STRING PRIMARY KEY) ENGINE=metric WITH ("on_physical_table" = "phy")`)
	b := table.NewSchema("t1").Timestamp("ts", table.TimestampMillisecond).Field("val", table.Float64).Tag("host", table.String).NewBatch("")
	if err := b.AddRow(table.TimestampMillisecondValue(5), table.Float64Value(1.5), table.StringValue("h")); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Write(qctx(t), b); err != nil {
		t.Fatal(err)
	}
	desc, err := c.QueryRows(qctx(t), "DESC TABLE t1")
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, r := range cells(t, desc) {
		names = append(names, r[0])
	}
	if got := strings.Join(names, ","); got != "host,ts,val" {
		t.Errorf("DESC t1 lists %s, want host,ts,val", got)
	}
	cols, _, err := c.TableColumns(qctx(t), "public", "t1")
	if err != nil || len(cols) != 3 || cols[0].Name != "host" || cols[2].Name != "val" {
		t.Errorf("information_schema order %+v %v", cols, err)
	}
	rows, err := c.QueryRows(qctx(t), "SELECT * FROM t1")
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(cells(t, rows)[0][:2], ","); rows.Columns[0].Name != "host" || got != "h,5" || !rows.Values[0][2].Equal(table.Float64Value(1.5)) {
		t.Errorf("SELECT * = %v %v", rows.Columns, rows.Values)
	}
}

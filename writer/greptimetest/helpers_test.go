package greptimetest

import (
	"context"
	"strconv"
	"strings"
	"testing"

	gpb "github.com/GreptimeTeam/greptime-proto/go/greptime/v1"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
)

// testClient is a raw greptime-proto client for one server.
type testClient struct {
	conn *grpc.ClientConn
	db   gpb.GreptimeDatabaseClient
}

func dial(t testing.TB, s *Server) *testClient {
	t.Helper()
	conn, err := grpc.NewClient(s.Addr(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = conn.Close() })
	return &testClient{conn: conn, db: gpb.NewGreptimeDatabaseClient(conn)}
}

// result is a call's outcome with its trailers.
type result struct {
	rows    uint32
	err     error
	trailer metadata.MD
}

func (r result) code() codes.Code { return status.Code(r.err) }

func (r result) msg() string { return status.Convert(r.err).Message() }

func (r result) errCode() string {
	if v := r.trailer.Get(headerErrCode); len(v) > 0 {
		return v[0]
	}
	return ""
}

// expectErr checks the gRPC code, the x-greptime-err-code trailer and that
// the message contains want.
func (r result) expectErr(t testing.TB, c codes.Code, greptime StatusCode, want string) {
	t.Helper()
	if r.err == nil {
		t.Fatalf("expected error %v/%d %q, got success (%d rows)", c, greptime, want, r.rows)
	}
	if r.code() != c {
		t.Errorf("code = %v, want %v (msg %q)", r.code(), c, r.msg())
	}
	if got := r.errCode(); got != strconv.Itoa(int(greptime)) {
		t.Errorf("x-greptime-err-code = %q, want %d (msg %q)", got, greptime, r.msg())
	}
	if !strings.Contains(r.msg(), want) {
		t.Errorf("message = %q, want it to contain %q", r.msg(), want)
	}
}

func (r result) expectOK(t testing.TB, rows uint32) {
	t.Helper()
	if r.err != nil {
		t.Fatalf("unexpected error: %v (trailer %v)", r.err, r.trailer)
	}
	if r.rows != rows {
		t.Fatalf("affected rows = %d, want %d", r.rows, rows)
	}
}

// handle sends one request with optional metadata pairs.
func (c *testClient) handle(req *gpb.GreptimeRequest, md ...string) result {
	ctx := context.Background()
	if len(md) > 0 {
		ctx = metadata.AppendToOutgoingContext(ctx, md...)
	}
	var tr metadata.MD
	resp, err := c.db.Handle(ctx, req, grpc.Trailer(&tr))
	return result{rows: resp.GetAffectedRows().GetValue(), err: err, trailer: tr}
}

// insert sends a row insert into db with hints metadata pairs.
func (c *testClient) insert(db string, reqs []*gpb.RowInsertRequest, md ...string) result {
	return c.handle(&gpb.GreptimeRequest{
		Header:  &gpb.RequestHeader{Dbname: db},
		Request: &gpb.GreptimeRequest_RowInserts{RowInserts: &gpb.RowInsertRequests{Inserts: reqs}},
	}, md...)
}

// sql runs a SQL statement in db.
func (c *testClient) sql(db, q string) result {
	return c.handle(&gpb.GreptimeRequest{
		Header:  &gpb.RequestHeader{Dbname: db},
		Request: &gpb.GreptimeRequest_Query{Query: &gpb.QueryRequest{Query: &gpb.QueryRequest_Sql{Sql: q}}},
	})
}

// Column schema and value helpers.
func tag(name string, t gpb.ColumnDataType) *gpb.ColumnSchema {
	return &gpb.ColumnSchema{ColumnName: name, Datatype: t, SemanticType: gpb.SemanticType_TAG}
}

func field(name string, t gpb.ColumnDataType) *gpb.ColumnSchema {
	return &gpb.ColumnSchema{ColumnName: name, Datatype: t, SemanticType: gpb.SemanticType_FIELD}
}

func ts(name string) *gpb.ColumnSchema {
	return &gpb.ColumnSchema{ColumnName: name, Datatype: gpb.ColumnDataType_TIMESTAMP_MILLISECOND, SemanticType: gpb.SemanticType_TIMESTAMP}
}

func sv(s string) *gpb.Value { return &gpb.Value{ValueData: &gpb.Value_StringValue{StringValue: s}} }

func fv(f float64) *gpb.Value {
	return &gpb.Value{ValueData: &gpb.Value_F64Value{F64Value: f}}
}
func iv(i int64) *gpb.Value { return &gpb.Value{ValueData: &gpb.Value_I64Value{I64Value: i}} }
func tv(ms int64) *gpb.Value {
	return &gpb.Value{ValueData: &gpb.Value_TimestampMillisecondValue{TimestampMillisecondValue: ms}}
}
func null() *gpb.Value { return &gpb.Value{} }

func row(vs ...*gpb.Value) *gpb.Row { return &gpb.Row{Values: vs} }

func req(table string, schema []*gpb.ColumnSchema, rows ...*gpb.Row) *gpb.RowInsertRequest {
	return &gpb.RowInsertRequest{TableName: table, Rows: &gpb.Rows{Schema: schema, Rows: rows}}
}

func cols(cs ...*gpb.ColumnSchema) []*gpb.ColumnSchema { return cs }

func itoa(i int) string { return strconv.Itoa(i) }

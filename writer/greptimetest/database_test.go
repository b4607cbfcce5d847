package greptimetest

import (
	"context"
	"testing"

	gpb "github.com/GreptimeTeam/greptime-proto/go/greptime/v1"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
)

func TestDatabaseResolution(t *testing.T) {
	s := StartT(t, Options{Databases: []string{"metrics", "other-analytics"}})
	c := dial(t, s)
	one := func(table string) []*gpb.RowInsertRequest {
		return []*gpb.RowInsertRequest{req(table, cpuSchema(), row(sv("a"), tv(1), fv(1)))}
	}
	// dbname wins and is split on its first '-'.
	c.insert("greptime-metrics", one("t1")).expectOK(t, 1)
	if _, ok := s.Table("metrics", "t1"); !ok {
		t.Fatal("greptime-metrics should resolve to catalog greptime, schema metrics")
	}
	c.insert("other-analytics", one("t2")).expectOK(t, 1)
	if _, ok := s.Table("other-analytics", "t2"); !ok {
		t.Fatal("other-analytics should resolve to catalog other, schema analytics")
	}
	// Without dbname, catalog and schema are lowercased with defaults.
	c.handle(&gpb.GreptimeRequest{
		Header:  &gpb.RequestHeader{Schema: "METRICS"},
		Request: &gpb.GreptimeRequest_RowInserts{RowInserts: &gpb.RowInsertRequests{Inserts: one("t3")}},
	}).expectOK(t, 1)
	if _, ok := s.Table("metrics", "t3"); !ok {
		t.Fatal("schema METRICS should be lowercased")
	}
	// No header at all: greptime-public.
	c.handle(&gpb.GreptimeRequest{
		Request: &gpb.GreptimeRequest_RowInserts{RowInserts: &gpb.RowInsertRequests{Inserts: one("t4")}},
	}).expectOK(t, 1)
	if _, ok := s.Table("public", "t4"); !ok {
		t.Fatal("no header should resolve to public")
	}
	// A dbname with a '-' is read as catalog-schema: this one does not exist.
	c.insert("my-db", one("t5")).expectErr(t, codes.InvalidArgument, StatusInvalidArguments,
		"Failed to find schema, schema info: db")
	c.insert("nope", one("t5")).expectErr(t, codes.InvalidArgument, StatusInvalidArguments,
		"Failed to find schema, schema info: nope")
}

func TestHandleIgnoresDatabaseMetadata(t *testing.T) {
	s := StartT(t, Options{Databases: []string{"metrics"}})
	c := dial(t, s)
	c.insert("", []*gpb.RowInsertRequest{req("t", cpuSchema(), row(sv("a"), tv(1), fv(1)))},
		"x-greptime-db-name", "metrics").expectOK(t, 1)
	if _, ok := s.Table("public", "t"); !ok {
		t.Fatal("Handle must take the database from RequestHeader, not x-greptime-db-name (§7.9)")
	}
	if got := s.LastHeaders("Handle").Get("x-greptime-db-name"); len(got) != 1 || got[0] != "metrics" {
		t.Fatalf("LastHeaders = %v", got)
	}
}

func TestHandleRequestsSumsAndFirstErrorAborts(t *testing.T) {
	s := StartT(t, Options{})
	c := dial(t, s)
	ctx := metadata.AppendToOutgoingContext(context.Background(), "x-greptime-hints", "ttl=1d")
	stream, err := c.db.HandleRequests(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for i := int64(0); i < 3; i++ {
		r := &gpb.GreptimeRequest{
			Header: &gpb.RequestHeader{Dbname: "public"},
			Request: &gpb.GreptimeRequest_RowInserts{RowInserts: &gpb.RowInsertRequests{Inserts: []*gpb.RowInsertRequest{
				req("s", cpuSchema(), row(sv("a"), tv(i), fv(1)), row(sv("b"), tv(i), fv(2))),
			}}},
		}
		if err := stream.Send(r); err != nil {
			t.Fatal(err)
		}
	}
	resp, err := stream.CloseAndRecv()
	if err != nil {
		t.Fatal(err)
	}
	if resp.GetAffectedRows().GetValue() != 6 || resp.GetHeader().GetStatus().GetStatusCode() != 0 {
		t.Fatalf("response = %v", resp)
	}
	if ti, _ := s.Table("public", "s"); ti.Options["ttl"] != "1day" {
		t.Fatalf("stream hints not applied: %v", ti.Options)
	}

	stream, err = c.db.HandleRequests(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	bad := &gpb.GreptimeRequest{Request: &gpb.GreptimeRequest_RowInserts{RowInserts: &gpb.RowInsertRequests{Inserts: []*gpb.RowInsertRequest{
		req("s", cpuSchema(), row(sv("a"), tv(1))),
	}}}}
	_ = stream.Send(bad)
	_, err = stream.CloseAndRecv()
	r := result{err: err, trailer: stream.Trailer()}
	r.expectErr(t, codes.InvalidArgument, StatusInvalidArguments, "column count mismatch, columns: 3, values: 2")
	if n := s.RowCount("public", "s"); n != 6 {
		t.Fatalf("rows after failed stream = %d, want 6", n)
	}
	if s.Calls()["HandleRequests"] != 2 {
		t.Fatalf("calls = %v", s.Calls())
	}
}

func TestHealthCheck(t *testing.T) {
	s := StartT(t, Options{})
	c := dial(t, s)
	if _, err := gpb.NewHealthCheckClient(c.conn).HealthCheck(context.Background(), &gpb.HealthCheckRequest{}); err != nil {
		t.Fatal(err)
	}
	if s.Calls()["HealthCheck"] != 1 {
		t.Fatalf("calls = %v", s.Calls())
	}
}

func TestUnimplementedRequests(t *testing.T) {
	s := StartT(t, Options{})
	c := dial(t, s)
	r := c.handle(&gpb.GreptimeRequest{Request: &gpb.GreptimeRequest_RowDeletes{RowDeletes: &gpb.RowDeleteRequests{}}})
	if r.code() != codes.Unimplemented {
		t.Fatalf("row deletes: %v", r.err)
	}
	c.handle(&gpb.GreptimeRequest{}).expectErr(t, codes.InvalidArgument, StatusInvalidArguments,
		"Invalid query: Expecting non-empty GreptimeRequest.")
}

func TestCompressedRequests(t *testing.T) {
	s := StartT(t, Options{})
	c := dial(t, s)
	for i, comp := range []string{"gzip", "zstd"} {
		var tr metadata.MD
		_, err := c.db.Handle(context.Background(), &gpb.GreptimeRequest{
			Request: &gpb.GreptimeRequest_RowInserts{RowInserts: &gpb.RowInsertRequests{Inserts: []*gpb.RowInsertRequest{
				req("z", cpuSchema(), row(sv(comp), tv(int64(i)), fv(1))),
			}}},
		}, grpc.UseCompressor(comp), grpc.Trailer(&tr))
		if err != nil {
			t.Fatalf("%s: %v", comp, err)
		}
	}
	if n := s.RowCount("public", "z"); n != 2 {
		t.Fatalf("rows = %d", n)
	}
}

func TestHandleRequestsPerRequestHeader(t *testing.T) {
	s := StartT(t, Options{Users: map[string]string{"u": "p"}, Databases: []string{"metrics"}})
	c := dial(t, s)
	stream, err := c.db.HandleRequests(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	send := func(db string, a *gpb.AuthHeader) {
		t.Helper()
		err := stream.Send(&gpb.GreptimeRequest{
			Header: &gpb.RequestHeader{Dbname: db, Authorization: a},
			Request: &gpb.GreptimeRequest_RowInserts{RowInserts: &gpb.RowInsertRequests{Inserts: []*gpb.RowInsertRequest{
				req("t", cpuSchema(), row(sv(db), tv(1), fv(1))),
			}}},
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	send("public", basicAuth("u", "p"))
	send("metrics", basicAuth("u", "p"))
	send("public", basicAuth("u", "bad"))
	_, err = stream.CloseAndRecv()
	result{err: err, trailer: stream.Trailer()}.expectErr(t, codes.Unauthenticated, StatusUserPasswordMismatch, "username: u")
	if s.RowCount("public", "t") != 1 || s.RowCount("metrics", "t") != 1 {
		t.Fatal("each streamed request uses its own header's database")
	}
}

package main

import (
	"bytes"
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	gpb "github.com/GreptimeTeam/greptime-proto/go/greptime/v1"
	"go.uber.org/goleak"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// syncBuffer is a bytes.Buffer safe for the server goroutine and the test.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// startRun runs the command with args and returns its address, its
// output and a stop function that checks run's result.
func startRun(t *testing.T, args ...string) (string, *syncBuffer, func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	out := &syncBuffer{}
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, append([]string{"-addr", "127.0.0.1:0"}, args...), out)
	}()
	var addr string
	for addr == "" {
		select {
		case err := <-done:
			cancel()
			t.Fatalf("run ended early: %v (output %q)", err, out.String())
		case <-time.After(10 * time.Millisecond):
		}
		if s := out.String(); strings.Contains(s, "serving on ") {
			addr = strings.Fields(strings.SplitAfter(s, "serving on ")[1])[0]
		}
	}
	return addr, out, func() {
		cancel()
		if err := <-done; err != nil {
			t.Fatalf("run: %v", err)
		}
	}
}

func TestRunServesWithAuth(t *testing.T) {
	addr, out, stop := startRun(t, "-user", "alice:s3cret", "-count-only")
	if strings.Contains(out.String(), "s3cret") {
		t.Fatalf("password printed: %q", out.String())
	}
	conn, err := grpc.NewClient(addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	db := gpb.NewGreptimeDatabaseClient(conn)
	sql := &gpb.GreptimeRequest_Query{Query: &gpb.QueryRequest{Query: &gpb.QueryRequest_Sql{Sql: "CREATE DATABASE d1"}}}
	_, err = db.Handle(context.Background(), &gpb.GreptimeRequest{Request: sql})
	if status.Code(err) != codes.Unauthenticated {
		t.Fatalf("no auth header: got %v, want Unauthenticated", err)
	}
	auth := &gpb.AuthHeader{AuthScheme: &gpb.AuthHeader_Basic{Basic: &gpb.Basic{Username: "alice", Password: "s3cret"}}}
	resp, err := db.Handle(context.Background(), &gpb.GreptimeRequest{Header: &gpb.RequestHeader{Authorization: auth}, Request: sql})
	if err != nil || resp.GetAffectedRows().GetValue() != 1 {
		t.Fatalf("create database: %v %v", resp, err)
	}
	_ = conn.Close()
	stop()
}

// TestRunLoadMode starts the load mode and checks it creates a table and
// answers affected rows and schema errors.
func TestRunLoadMode(t *testing.T) {
	addr, out, stop := startRun(t, "-load")
	defer stop()
	if !strings.Contains(out.String(), "load: true") {
		t.Fatalf("output %q", out.String())
	}
	conn, err := grpc.NewClient(addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = conn.Close() }()
	db := gpb.NewGreptimeDatabaseClient(conn)
	insert := func(v *gpb.Value) (*gpb.GreptimeResponse, error) {
		schema := []*gpb.ColumnSchema{
			{ColumnName: "ts", Datatype: gpb.ColumnDataType_TIMESTAMP_MILLISECOND, SemanticType: gpb.SemanticType_TIMESTAMP},
			{ColumnName: "v", Datatype: gpb.ColumnDataType_FLOAT64, SemanticType: gpb.SemanticType_FIELD},
		}
		rows := []*gpb.Row{{Values: []*gpb.Value{{ValueData: &gpb.Value_TimestampMillisecondValue{TimestampMillisecondValue: 1}}, v}}}
		return db.Handle(context.Background(), &gpb.GreptimeRequest{Request: &gpb.GreptimeRequest_RowInserts{RowInserts: &gpb.RowInsertRequests{
			Inserts: []*gpb.RowInsertRequest{{TableName: "m", Rows: &gpb.Rows{Schema: schema, Rows: append(rows, rows...)}}},
		}}})
	}
	resp, err := insert(&gpb.Value{ValueData: &gpb.Value_F64Value{F64Value: 1}})
	if err != nil || resp.GetAffectedRows().GetValue() != 2 {
		t.Fatalf("insert: %v %v", resp, err)
	}
	if _, err := insert(&gpb.Value{ValueData: &gpb.Value_I64Value{I64Value: 1}}); status.Code(err) != codes.InvalidArgument ||
		!strings.Contains(status.Convert(err).Message(), "value has type Int64, but column v has type Float64(10)") {
		t.Fatalf("wrong value type: %v", err)
	}
}

func TestRunRejectsBadUser(t *testing.T) {
	err := run(context.Background(), []string{"-user", "nopassword"}, &syncBuffer{})
	if err == nil || !strings.Contains(err.Error(), "name:password") {
		t.Fatalf("err = %v", err)
	}
}

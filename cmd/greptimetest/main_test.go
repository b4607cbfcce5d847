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

func TestRunServesWithAuth(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	out := &syncBuffer{}
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"-addr", "127.0.0.1:0", "-user", "alice:s3cret", "-count-only"}, out)
	}()
	var addr string
	for addr == "" {
		select {
		case err := <-done:
			t.Fatalf("run ended early: %v (output %q)", err, out.String())
		case <-time.After(10 * time.Millisecond):
		}
		if s := out.String(); strings.Contains(s, "serving on ") {
			addr = strings.Fields(strings.SplitAfter(s, "serving on ")[1])[0]
		}
	}
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
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("run: %v", err)
	}
}

func TestRunRejectsBadUser(t *testing.T) {
	err := run(context.Background(), []string{"-user", "nopassword"}, &syncBuffer{})
	if err == nil || !strings.Contains(err.Error(), "name:password") {
		t.Fatalf("err = %v", err)
	}
}

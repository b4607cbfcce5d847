package greptimetest

import (
	"context"
	"testing"
	"time"

	gpb "github.com/GreptimeTeam/greptime-proto/go/greptime/v1"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

func TestFailNext(t *testing.T) {
	s := StartT(t, Options{})
	c := dial(t, s)
	one := []*gpb.RowInsertRequest{req("t", cpuSchema(), row(sv("a"), tv(1), fv(1)))}
	s.FailNext(2, Fault{Method: "Handle", Code: codes.Unavailable, Status: uint32(StatusRegionNotReady), Retryable: true, Message: "region not ready"})
	s.FailNext(1, Fault{Method: "DoPut", Code: codes.Internal, Message: "not for Handle"})
	for i := 0; i < 2; i++ {
		r := c.insert("public", one)
		r.expectErr(t, codes.Unavailable, StatusRegionNotReady, "region not ready")
		if hint := r.trailer.Get(headerErrRetryHint); len(hint) != 1 || hint[0] != "retryable" {
			t.Fatalf("retry hint = %v", hint)
		}
	}
	c.insert("public", one).expectOK(t, 1)
	if s.Calls()["Handle"] != 3 {
		t.Fatalf("calls = %v", s.Calls())
	}
	// A fault without Status sends no GreptimeDB trailer; "" matches any method.
	s.FailNext(1, Fault{Code: codes.ResourceExhausted, Message: "busy"})
	r := c.insert("public", one)
	if r.code() != codes.ResourceExhausted || r.errCode() != "" {
		t.Fatalf("got %v trailer %v", r.err, r.trailer)
	}
	// The DoPut fault is still pending.
	if err := s.beginCall(context.Background(), "DoPut"); status.Code(err) != codes.Internal {
		t.Fatalf("DoPut fault = %v", err)
	}
	if err := s.beginCall(context.Background(), "DoPut"); err != nil {
		t.Fatalf("fault should be consumed: %v", err)
	}
}

func TestLatencyHonoursDeadline(t *testing.T) {
	s := StartT(t, Options{})
	c := dial(t, s)
	s.SetLatency(time.Hour)
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	_, err := c.db.Handle(ctx, &gpb.GreptimeRequest{})
	if status.Code(err) != codes.DeadlineExceeded {
		t.Fatalf("err = %v", err)
	}
	s.SetLatency(0)
	if got := s.callLatency(); got != 0 {
		t.Fatalf("latency = %v", got)
	}
}

func TestBreakStreamAfter(t *testing.T) {
	s := &Server{streamBreak: -1}
	if _, ok := s.takeStreamBreak(); ok {
		t.Fatal("no break configured")
	}
	s.BreakStreamAfter(3)
	if k, ok := s.takeStreamBreak(); !ok || k != 3 {
		t.Fatalf("got %d %v", k, ok)
	}
	if _, ok := s.takeStreamBreak(); ok {
		t.Fatal("break applies to one stream only")
	}
}

func TestStopRestartKeepsData(t *testing.T) {
	s := StartT(t, Options{})
	addr := s.Addr()
	c := dial(t, s)
	c.insert("public", []*gpb.RowInsertRequest{req("t", cpuSchema(), row(sv("a"), tv(1), fv(1)))}).expectOK(t, 1)
	s.Stop()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if _, err := c.db.Handle(ctx, &gpb.GreptimeRequest{}); status.Code(err) != codes.Unavailable {
		t.Fatalf("stopped server answered: %v", err)
	}
	if err := s.Restart(); err != nil {
		t.Fatal(err)
	}
	if s.Addr() != addr {
		t.Fatalf("address changed: %s → %s", addr, s.Addr())
	}
	c2 := dial(t, s)
	c2.insert("public", []*gpb.RowInsertRequest{req("t", cpuSchema(), row(sv("b"), tv(1), fv(1)))}).expectOK(t, 1)
	if n := s.RowCount("public", "t"); n != 2 {
		t.Fatalf("rows after restart = %d", n)
	}
	if err := s.Restart(); err != nil {
		t.Fatalf("restart while running: %v", err)
	}
	s.Close()
	if err := s.Restart(); err == nil {
		t.Fatal("restart after close should fail")
	}
}

func TestCountOnly(t *testing.T) {
	s := StartT(t, Options{CountOnly: true})
	c := dial(t, s)
	c.insert("public", []*gpb.RowInsertRequest{req("t", cpuSchema(), row(sv("a"), tv(1), fv(1)), row(sv("a"), tv(1), fv(2)))}).expectOK(t, 2)
	if n := s.RowCount("public", "t"); n != 2 {
		t.Fatalf("count = %d", n)
	}
	if rows := s.Rows("public", "t"); len(rows) != 0 {
		t.Fatalf("count-only kept rows: %v", rows)
	}
	if _, ok := s.Table("public", "t"); !ok {
		t.Fatal("count-only must keep the schema")
	}
}

func TestLastHeadersAndCalls(t *testing.T) {
	s := StartT(t, Options{})
	c := dial(t, s)
	c.insert("public", []*gpb.RowInsertRequest{req("t", cpuSchema(), row(sv("a"), tv(1), fv(1)))}, "x-greptime-hints", "ttl=1d")
	md := s.LastHeaders("Handle")
	if got := md.Get("x-greptime-hints"); len(got) != 1 || got[0] != "ttl=1d" {
		t.Fatalf("headers = %v", md)
	}
	md.Set("x-greptime-hints", "changed")
	if got := s.LastHeaders("Handle").Get("x-greptime-hints"); got[0] != "ttl=1d" {
		t.Fatal("LastHeaders must return a copy")
	}
	if len(s.LastHeaders("DoPut")) != 0 {
		t.Fatal("no DoPut call yet")
	}
}

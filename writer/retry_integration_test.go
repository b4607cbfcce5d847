package writer_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc/codes"

	"github.com/greptime-bridge/greptime-bridge/writer"
	"github.com/greptime-bridge/greptime-bridge/writer/greptimetest"
)

func withRetry(attempts int) func(*writer.Config) {
	return func(cfg *writer.Config) {
		cfg.Retry = &writer.RetryPolicy{MaxAttempts: attempts, InitialBackoff: time.Millisecond, MaxBackoff: 2 * time.Millisecond}
	}
}

func TestRetryableServerErrorIsRetried(t *testing.T) {
	s, c := startWithClient(t, greptimetest.Options{}, withRetry(3))
	s.FailNext(2, greptimetest.Fault{Method: "Handle", Code: codes.Unavailable, Status: uint32(writer.StatusRegionNotReady), Retryable: true, Message: "region not ready"})
	n, err := c.Write(ctxT(t), cpuBatch(t, "cpu", 5, 0))
	if err != nil || n != 5 {
		t.Fatalf("write: %d %v", n, err)
	}
	if calls := s.Calls()["Handle"]; calls != 3 {
		t.Errorf("%d Handle calls, want 3 (two failures, one success)", calls)
	}
	if s.RowCount("public", "cpu") != 5 {
		t.Errorf("stored %d rows", s.RowCount("public", "cpu"))
	}
}

func TestRetryGivesUpAfterMaxAttempts(t *testing.T) {
	s, c := startWithClient(t, greptimetest.Options{}, withRetry(2))
	s.FailNext(5, greptimetest.Fault{Method: "Handle", Code: codes.ResourceExhausted, Status: uint32(writer.StatusRateLimited), Retryable: true, Message: "rate limited"})
	_, err := c.Write(ctxT(t), cpuBatch(t, "cpu", 1, 0))
	var se *writer.ServerError
	if !errors.As(err, &se) || se.Status != writer.StatusRateLimited || !writer.IsRetryable(err) {
		t.Fatalf("got %v, want the retryable RateLimited error", err)
	}
	if calls := s.Calls()["Handle"]; calls != 2 {
		t.Errorf("%d Handle calls, want 2", calls)
	}
}

func TestNonRetryableServerErrorIsNotRetried(t *testing.T) {
	s, c := startWithClient(t, greptimetest.Options{}, withRetry(5))
	s.FailNext(1, greptimetest.Fault{Method: "Handle", Code: codes.InvalidArgument, Status: uint32(writer.StatusInvalidArguments), Message: "bad"})
	_, err := c.Write(ctxT(t), cpuBatch(t, "cpu", 1, 0))
	var se *writer.ServerError
	if !errors.As(err, &se) || se.Code != codes.InvalidArgument || se.RetryHint != "non_retryable" {
		t.Fatalf("got %v (%+v)", err, se)
	}
	if calls := s.Calls()["Handle"]; calls != 1 {
		t.Errorf("%d Handle calls, want 1", calls)
	}
}

func TestNoRetryPolicyMeansOneTry(t *testing.T) {
	s, c := startWithClient(t, greptimetest.Options{})
	s.FailNext(1, greptimetest.Fault{Method: "Handle", Code: codes.Unavailable, Status: uint32(writer.StatusRegionNotReady), Retryable: true, Message: "region not ready"})
	if _, err := c.Write(ctxT(t), cpuBatch(t, "cpu", 1, 0)); err == nil {
		t.Fatal("write succeeded through an injected fault without a retry policy")
	}
	if calls := s.Calls()["Handle"]; calls != 1 {
		t.Errorf("%d Handle calls, want 1", calls)
	}
}

func TestRequestTimeout(t *testing.T) {
	s, c := startWithClient(t, greptimetest.Options{}, func(cfg *writer.Config) { cfg.RequestTimeout = 20 * time.Millisecond })
	s.SetLatency(500 * time.Millisecond)
	_, err := c.Write(context.Background(), cpuBatch(t, "cpu", 1, 0))
	if !errors.Is(err, writer.ErrTimeout) || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("got %v, want a timeout", err)
	}
	var se *writer.ServerError
	if !errors.As(err, &se) || se.Code != codes.DeadlineExceeded {
		t.Errorf("got %v, want a DeadlineExceeded ServerError", err)
	}
}

func TestRetryStopsAtContextDeadline(t *testing.T) {
	s, c := startWithClient(t, greptimetest.Options{}, func(cfg *writer.Config) {
		// Full jitter draws the wait from [0, 100000h): the chance it ends
		// inside the 10s deadline is below 1e-7, so no second try.
		cfg.Retry = &writer.RetryPolicy{MaxAttempts: 5, InitialBackoff: 100000 * time.Hour, MaxBackoff: 100000 * time.Hour}
	})
	s.FailNext(5, greptimetest.Fault{Method: "Handle", Code: codes.Unavailable, Status: uint32(writer.StatusRegionBusy), Retryable: true, Message: "busy"})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, err := c.Write(ctx, cpuBatch(t, "cpu", 1, 0))
	if err == nil || !strings.Contains(err.Error(), "busy") {
		t.Fatalf("got %v, want the server's error", err)
	}
	if ctx.Err() != nil {
		t.Error("the client waited out the deadline instead of giving up")
	}
	if calls := s.Calls()["Handle"]; calls != 1 {
		t.Errorf("%d Handle calls, want 1", calls)
	}
}

func TestMessageTooLargeIsNotRetried(t *testing.T) {
	s, c := startWithClient(t, greptimetest.Options{}, withRetry(5), func(cfg *writer.Config) { cfg.MaxSendMessageSize = 4 << 10 })
	_, err := c.Write(ctxT(t), cpuBatch(t, "cpu", 1000, 0))
	var se *writer.ServerError
	if !errors.As(err, &se) || se.Code != codes.ResourceExhausted {
		t.Fatalf("got %v, want ResourceExhausted", err)
	}
	if writer.IsRetryable(err) {
		t.Error("a request over the message size limit reported retryable")
	}
	if calls := s.Calls()["Handle"]; calls != 0 {
		t.Errorf("%d Handle calls reached the server", calls)
	}
}

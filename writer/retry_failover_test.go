package writer_test

import (
	"errors"
	"testing"
	"time"

	"github.com/greptime-bridge/greptime-bridge/writer"
	"github.com/greptime-bridge/greptime-bridge/writer/greptimetest"
)

// TestFailoverMovesToNextEndpoint stops the active server half-way through
// a run of inserts: every insert must still succeed (the one that hits the
// stopped server moves over after one failed try) and the rows on both
// servers must add up to exactly the rows sent.
func TestFailoverMovesToNextEndpoint(t *testing.T) {
	a := greptimetest.StartT(t, greptimetest.Options{})
	b := greptimetest.StartT(t, greptimetest.Options{})
	c := newClient(t, writer.DefaultConfig(a.Addr(), b.Addr()))
	ctx := ctxT(t)
	const inserts, perInsert = 20, 5
	stoppedAt := -1
	for i := 0; i < inserts; i++ {
		if i == inserts/2 {
			a.Stop()
			stoppedAt = i
		}
		n, err := c.Write(ctx, cpuBatch(t, "cpu", perInsert, int64(i*perInsert)))
		if err != nil || n != perInsert {
			t.Fatalf("insert %d (server a stopped before insert %d): %d %v", i, stoppedAt, n, err)
		}
	}
	onA, onB := a.RowCount("public", "cpu"), b.RowCount("public", "cpu")
	if onA != stoppedAt*perInsert {
		t.Errorf("server a holds %d rows, want %d", onA, stoppedAt*perInsert)
	}
	if onA+onB != inserts*perInsert {
		t.Errorf("a %d + b %d rows, want exactly %d", onA, onB, inserts*perInsert)
	}
	if calls := b.Calls()["Handle"]; calls != inserts-stoppedAt {
		t.Errorf("server b got %d Handle calls, want %d (no extra tries)", calls, inserts-stoppedAt)
	}

	// Back on a once b goes away too and a returns.
	if err := a.Restart(); err != nil {
		t.Fatal(err)
	}
	b.Stop()
	if _, err := c.Write(ctx, cpuBatch(t, "cpu", perInsert, 10_000)); err != nil {
		t.Fatalf("insert after failing back (a=%s b=%s): %v", a.Addr(), b.Addr(), err)
	}
	if got := a.RowCount("public", "cpu"); got != onA+perInsert {
		t.Errorf("server a holds %d rows after failing back, want %d", got, onA+perInsert)
	}
}

func TestHealthCheckFailsOver(t *testing.T) {
	a := greptimetest.StartT(t, greptimetest.Options{})
	b := greptimetest.StartT(t, greptimetest.Options{})
	cfg := writer.DefaultConfig(a.Addr(), b.Addr())
	// Probing an endpoint that is down waits for it up to ConnectTimeout.
	cfg.ConnectTimeout = 200 * time.Millisecond
	c := newClient(t, cfg)
	if err := c.HealthCheck(ctxT(t)); err != nil {
		t.Fatal(err)
	}
	a.Stop()
	if err := c.HealthCheck(ctxT(t)); err != nil {
		t.Fatalf("health check with one endpoint up: %v", err)
	}
	if _, err := c.Write(ctxT(t), cpuBatch(t, "cpu", 1, 0)); err != nil {
		t.Fatal(err)
	}
	if b.RowCount("public", "cpu") != 1 || b.Calls()["Handle"] != 1 {
		t.Error("the health check did not make the healthy endpoint active")
	}
	b.Stop()
	if err := c.HealthCheck(ctxT(t)); err == nil {
		t.Fatal("health check passed with every endpoint down")
	}
}

func TestCallsAfterCloseFail(t *testing.T) {
	_, c := startWithClient(t, greptimetest.Options{})
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Write(ctxT(t), cpuBatch(t, "cpu", 1, 0)); !errors.Is(err, writer.ErrClosed) {
		t.Errorf("write after close: %v", err)
	}
	if err := c.HealthCheck(ctxT(t)); !errors.Is(err, writer.ErrClosed) {
		t.Errorf("health check after close: %v", err)
	}
	if err := c.Close(); err != nil {
		t.Errorf("second close: %v", err)
	}
}

// TestRetryReachesRestartedEndpoint restarts the only endpoint: the next
// write with a retry policy must reach it at once rather than fail fast
// while gRPC waits out its reconnect backoff.
func TestRetryReachesRestartedEndpoint(t *testing.T) {
	s := greptimetest.StartT(t, greptimetest.Options{})
	cfg := writer.DefaultConfig(s.Addr())
	cfg.ConnectTimeout = 200 * time.Millisecond
	cfg.Retry = &writer.RetryPolicy{MaxAttempts: 3, InitialBackoff: time.Millisecond, MaxBackoff: time.Millisecond}
	c := newClient(t, cfg)
	ctx := ctxT(t)
	if _, err := c.Write(ctx, cpuBatch(t, "cpu", 1, 0)); err != nil {
		t.Fatal(err)
	}
	s.Stop()
	if _, err := c.Write(ctx, cpuBatch(t, "cpu", 1, 1)); err == nil {
		t.Fatal("write to a stopped server succeeded")
	}
	if err := s.Restart(); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Write(ctx, cpuBatch(t, "cpu", 1, 2)); err != nil {
		t.Fatalf("write after restart: %v", err)
	}
	if got := s.RowCount("public", "cpu"); got != 2 {
		t.Errorf("server holds %d rows, want 2", got)
	}
}

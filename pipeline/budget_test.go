package pipeline

import (
	"context"
	"errors"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/greptime-bridge/greptime-bridge/writer/errs"
)

func TestBudgetRefusesWhenFull(t *testing.T) {
	b := NewBudget(100, 3*time.Second)
	ctx := context.Background()
	if err := b.Acquire(ctx, 60, 0); err != nil {
		t.Fatal(err)
	}
	err := b.Acquire(ctx, 60, 0)
	if !errors.Is(err, ErrOverBudget) {
		t.Fatalf("got %v, want ErrOverBudget", err)
	}
	if d, ok := errs.RetryDelay(err); !ok || d != 3*time.Second {
		t.Fatalf("retry delay %v %v", d, ok)
	}
	if b.Used() != 60 {
		t.Fatalf("failed acquire reserved bytes: used %d", b.Used())
	}
	if err := b.Acquire(ctx, 101, time.Second); !errs.IsPermanent(err) {
		t.Fatalf("oversized request should be permanent, got %v", err)
	}
}

func TestBudgetWaiterWakesOnRelease(t *testing.T) {
	b := NewBudget(100, time.Second)
	ctx := context.Background()
	if err := b.Acquire(ctx, 100, 0); err != nil {
		t.Fatal(err)
	}
	done := make(chan error)
	go func() { done <- b.Acquire(ctx, 50, time.Minute) }()
	b.Release(100)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if b.Used() != 50 {
		t.Fatalf("used %d", b.Used())
	}
}

func TestBudgetHonoursContext(t *testing.T) {
	b := NewBudget(10, time.Second)
	_ = b.Acquire(context.Background(), 10, 0)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := b.Acquire(ctx, 5, time.Minute); !errors.Is(err, context.Canceled) {
		t.Fatalf("got %v", err)
	}
}

func TestBudgetNeverExceedsLimitUnderContention(t *testing.T) {
	b := NewBudget(1000, time.Second)
	var wg sync.WaitGroup
	var mu sync.Mutex
	maxSeen := int64(0)
	for i := 0; i < 16; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := 0; j < 200; j++ {
				if err := b.Acquire(context.Background(), 300, time.Minute); err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				if u := b.Used(); u > maxSeen {
					maxSeen = u
				}
				mu.Unlock()
				b.Release(300)
			}
		}()
	}
	wg.Wait()
	if maxSeen > 1000 {
		t.Fatalf("budget exceeded: %d", maxSeen)
	}
	if b.Used() != 0 {
		t.Fatalf("leaked %d bytes", b.Used())
	}
}

func TestBudgetResize(t *testing.T) {
	b := NewBudget(100, time.Second)
	ctx := context.Background()
	var held int64
	if err := b.Resize(ctx, &held, 30, 0); err != nil || held != 30 || b.Used() != 30 {
		t.Fatalf("grow: %v held %d used %d", err, held, b.Used())
	}
	if err := b.Resize(ctx, &held, 10, 0); err != nil || held != 10 || b.Used() != 10 {
		t.Fatalf("shrink: %v held %d used %d", err, held, b.Used())
	}
	// More than one request may hold is capped at it, not refused.
	if err := b.Resize(ctx, &held, 500, 0); err != nil || held != b.Largest() || b.Used() != b.Largest() {
		t.Fatalf("cap: %v held %d used %d", err, held, b.Used())
	}
	var other int64
	if err := b.Resize(ctx, &other, b.Limit()-b.Largest()+1, 0); !errors.Is(err, ErrOverBudget) || other != 0 {
		t.Fatalf("full budget: %v, other holds %d", err, other)
	}
	b.Release(held)
}

// TestBudgetServesLargeRequestsInTurn: a request that needs the whole
// budget, waiting behind one in progress, is served before small requests
// that arrive after it, although each of those would fit in what is free
// (issue #11: large requests were starved by small ones).
func TestBudgetServesLargeRequestsInTurn(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		b := NewBudget(100, time.Second)
		ctx := context.Background()
		if err := b.Acquire(ctx, 60, 0); err != nil {
			t.Fatal(err)
		}
		large := make(chan error, 1)
		go func() { large <- b.Acquire(ctx, 100, time.Minute) }()
		synctest.Wait() // the large request is queued
		small := make(chan error, 1)
		go func() { small <- b.Acquire(ctx, 10, time.Minute) }()
		synctest.Wait()
		select {
		case err := <-small:
			t.Fatalf("a small request overtook the queued large one: %v", err)
		default:
		}
		b.Release(60)
		if err := <-large; err != nil {
			t.Fatalf("large request: %v", err)
		}
		synctest.Wait()
		select {
		case err := <-small:
			t.Fatalf("small request admitted while the large one holds everything: %v", err)
		default:
		}
		b.Release(100)
		if err := <-small; err != nil {
			t.Fatalf("small request: %v", err)
		}
		if b.Used() != 10 {
			t.Fatalf("used %d, want 10", b.Used())
		}
	})
}

// TestBudgetOverReleaseIsClamped: releasing more than is held empties the
// budget instead of panicking.
func TestBudgetOverReleaseIsClamped(t *testing.T) {
	b := NewBudget(100, time.Second)
	if err := b.Acquire(context.Background(), 30, 0); err != nil {
		t.Fatal(err)
	}
	b.Release(50)
	if b.Used() != 0 {
		t.Fatalf("used %d", b.Used())
	}
	if err := b.Acquire(context.Background(), 100, 0); err != nil {
		t.Fatalf("the whole budget should be free: %v", err)
	}
}

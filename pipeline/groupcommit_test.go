package pipeline_test

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/greptime-bridge/greptime-bridge/pipeline"
	"github.com/greptime-bridge/greptime-bridge/translate"
	"github.com/greptime-bridge/greptime-bridge/writer/errs"
	"github.com/greptime-bridge/greptime-bridge/writer/table"
)

// gatedWriter records each row insert ("table:rows" entries, sorted) and
// holds it until the test releases it.
type gatedWriter struct {
	calls   chan string
	release chan struct{}
}

func newGatedWriter() *gatedWriter {
	return &gatedWriter{calls: make(chan string, 16), release: make(chan struct{})}
}

func (g *gatedWriter) Write(ctx context.Context, batches ...*table.Batch) (uint32, error) {
	var parts []string
	rows := 0
	for _, b := range batches {
		parts = append(parts, fmt.Sprintf("%s:%d", b.Table, b.Rows()))
		rows += b.Rows()
	}
	sort.Strings(parts)
	g.calls <- strings.Join(parts, ",")
	select {
	case <-g.release:
		return uint32(rows), nil
	case <-ctx.Done():
		return 0, ctx.Err()
	}
}

// consumeAll sends one single-row request per table name, each from its
// own goroutine, and returns a channel of their answers.
func consumeAll(p *pipeline.Pipeline, wg *sync.WaitGroup, errc chan<- error, tables ...string) {
	for i, tbl := range tables {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errc <- p.Consume(context.Background(), metricOutput("public", []string{tbl}, 1, int64(i), map[string]string{"job": "j"}))
		}()
	}
}

func shutdown(t *testing.T, p *pipeline.Pipeline) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := p.Shutdown(ctx); err != nil {
		t.Error(err)
	}
}

// TestGroupCommit: with the default configuration an idle worker writes a
// request at once, and the requests that arrive while that write is in
// progress go together in the next write.
func TestGroupCommit(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		g := newGatedWriter()
		p := pipeline.New(pipeline.Config{Workers: 1}, g, nil, nil, nil)
		defer shutdown(t, p)
		var wg sync.WaitGroup
		errc := make(chan error, 8)

		start := time.Now()
		consumeAll(p, &wg, errc, "a")
		if got := <-g.calls; got != "a:1" {
			t.Fatalf("first write %q, want a:1", got)
		}
		if waited := time.Since(start); waited != 0 {
			t.Errorf("the first write waited %v on an idle worker, want no wait", waited)
		}
		// Three more requests while the first write is in progress.
		consumeAll(p, &wg, errc, "b", "c", "a")
		synctest.Wait()
		select {
		case got := <-g.calls:
			t.Fatalf("a second write %q started while the first was in progress", got)
		default:
		}
		g.release <- struct{}{}
		if got := <-g.calls; got != "a:1,b:1,c:1" {
			t.Fatalf("second write %q, want the three queued requests together (a:1,b:1,c:1)", got)
		}
		g.release <- struct{}{}
		wg.Wait()
		close(errc)
		for err := range errc {
			if err != nil {
				t.Error(err)
			}
		}
		synctest.Wait()
		if len(g.calls) != 0 {
			t.Errorf("%d writes more than the two expected", len(g.calls))
		}
	})
}

// TestFlushIntervalLingers: a positive flush_interval makes an idle worker
// wait that long for company, and no longer.
func TestFlushIntervalLingers(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		g := newGatedWriter()
		p := pipeline.New(pipeline.Config{Workers: 1, FlushInterval: 50 * time.Millisecond}, g, nil, nil, nil)
		defer shutdown(t, p)
		var wg sync.WaitGroup
		errc := make(chan error, 8)

		start := time.Now()
		consumeAll(p, &wg, errc, "a")
		synctest.Wait()
		consumeAll(p, &wg, errc, "b")
		if got := <-g.calls; got != "a:1,b:1" {
			t.Fatalf("write %q, want both requests in one write", got)
		}
		if waited := time.Since(start); waited != 50*time.Millisecond {
			t.Errorf("the write started after %v, want the 50ms flush interval", waited)
		}
		g.release <- struct{}{}
		wg.Wait()
		close(errc)
		for err := range errc {
			if err != nil {
				t.Error(err)
			}
		}
	})
}

// TestMaxBatchRowsCutsTheQueue: rows queued behind a write are taken only
// up to max_batch_rows per write.
func TestMaxBatchRowsCutsTheQueue(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		g := newGatedWriter()
		p := pipeline.New(pipeline.Config{Workers: 1, MaxBatchRows: 2}, g, nil, nil, nil)
		defer shutdown(t, p)
		var wg sync.WaitGroup
		errc := make(chan error, 8)

		consumeAll(p, &wg, errc, "a")
		<-g.calls
		consumeAll(p, &wg, errc, "b", "c", "d")
		synctest.Wait()
		g.release <- struct{}{}
		second := <-g.calls
		g.release <- struct{}{}
		third := <-g.calls
		g.release <- struct{}{}
		if n := strings.Count(second, ","); n != 1 {
			t.Errorf("second write %q, want two tables (max_batch_rows 2)", second)
		}
		if n := strings.Count(third, ","); n != 0 {
			t.Errorf("third write %q, want the remaining table", third)
		}
		wg.Wait()
		close(errc)
		for err := range errc {
			if err != nil {
				t.Error(err)
			}
		}
	})
}

// splitWriter holds its first write until released, then refuses for good
// any write holding a negative value, and records the values of each
// write it accepts.
type splitWriter struct {
	first    chan struct{}
	release  chan struct{}
	mu       sync.Mutex
	calls    int
	accepted [][]float64
}

func (s *splitWriter) Write(ctx context.Context, batches ...*table.Batch) (uint32, error) {
	s.mu.Lock()
	s.calls++
	n := s.calls
	s.mu.Unlock()
	if n == 1 {
		close(s.first)
		<-s.release
	}
	var vals []float64
	for _, b := range batches {
		c := b.Column("greptime_value")
		for i := range b.Rows() {
			v, _ := c.Float64(i)
			if v < 0 {
				return 0, errs.NewPermanent(fmt.Errorf("negative value in %s", b.Table))
			}
			vals = append(vals, v)
		}
	}
	s.mu.Lock()
	s.accepted = append(s.accepted, vals)
	s.mu.Unlock()
	return uint32(len(vals)), nil
}

func valuesOutput(vals ...float64) *translate.Output {
	out := &translate.Output{}
	b := out.Batch("public", "t")
	for i, v := range vals {
		b.MustColumn("greptime_timestamp", table.TimestampMillisecond, table.Timestamp).AppendInt64(int64(i))
		b.MustColumn("greptime_value", table.Float64, table.Field).AppendFloat64(v)
		if err := b.EndRow(); err != nil {
			panic(err)
		}
	}
	return out
}

// TestPermanentErrorSplitsCoalescedRequests: two requests coalesced into
// one write that GreptimeDB refuses for good are written again one by one,
// so the good one is stored and only the bad one fails.
func TestPermanentErrorSplitsCoalescedRequests(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		w := &splitWriter{first: make(chan struct{}), release: make(chan struct{})}
		p := pipeline.New(pipeline.Config{Workers: 1}, w, nil, nil, nil)
		defer shutdown(t, p)
		answers := make(chan error, 3)
		send := func(vals ...float64) {
			go func() { answers <- p.Consume(context.Background(), valuesOutput(vals...)) }()
		}
		send(1)
		<-w.first
		good, bad := make(chan error, 1), make(chan error, 1)
		go func() { good <- p.Consume(context.Background(), valuesOutput(2, 3)) }()
		synctest.Wait()
		go func() { bad <- p.Consume(context.Background(), valuesOutput(-1)) }()
		synctest.Wait()
		close(w.release)
		if err := <-answers; err != nil {
			t.Fatalf("first request: %v", err)
		}
		if err := <-good; err != nil {
			t.Errorf("good request coalesced with a bad one: %v", err)
		}
		if err := <-bad; err == nil || !errs.IsPermanent(err) {
			t.Errorf("bad request answered %v, want a permanent error", err)
		}
		if n := p.Stats().Splits.Load(); n != 1 {
			t.Errorf("%d splits, want 1", n)
		}
		w.mu.Lock()
		defer w.mu.Unlock()
		want := "[[1] [2 3]]"
		if got := fmt.Sprint(w.accepted); got != want {
			t.Errorf("accepted writes %s, want %s (the good request's rows alone after the split)", got, want)
		}
		if w.calls != 4 {
			t.Errorf("%d writes, want 4 (first, coalesced, then one per request)", w.calls)
		}
	})
}

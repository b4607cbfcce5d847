package pipeline

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/greptime-bridge/greptime-bridge/translate"
	"github.com/greptime-bridge/greptime-bridge/writer/table"
)

// heldWriter records each row insert ("table:rows" per batch, sorted) and
// holds it until the test releases it.
type heldWriter struct {
	calls   chan string
	release chan struct{}
}

func (g *heldWriter) Write(ctx context.Context, batches ...*table.Batch) (uint32, error) {
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

// rowsOutput is one request of n rows for table tbl.
func rowsOutput(tbl string, n int, start int64) *translate.Output {
	out := &translate.Output{}
	b := out.Batch("public", tbl)
	for i := range n {
		b.MustColumn("greptime_timestamp", table.TimestampMillisecond, table.Timestamp).AppendInt64(start + int64(i))
		b.MustColumn("greptime_value", table.Float64, table.Field).AppendFloat64(1)
		if err := b.EndRow(); err != nil {
			panic(err)
		}
	}
	return out
}

// turnsSetup starts a two-worker pipeline over a held writer and returns
// a table name for each worker.
func turnsSetup(t *testing.T) (*Pipeline, *heldWriter, [2]string) {
	g := &heldWriter{calls: make(chan string, 16), release: make(chan struct{})}
	p := New(Config{Workers: 2}, g, nil, nil, nil)
	var names [2]string
	for i := 0; names[0] == "" || names[1] == ""; i++ {
		name := fmt.Sprint("m", i)
		if w := p.workerFor(table.New("public", name)); names[w] == "" {
			names[w] = name
		}
	}
	return p, g, names
}

// send consumes out in a goroutine of the bubble and waits until it is
// handed over (every goroutine blocked).
func send(p *Pipeline, wg *sync.WaitGroup, errc chan<- error, out *translate.Output) {
	wg.Add(1)
	go func() {
		defer wg.Done()
		errc <- p.Consume(context.Background(), out)
	}()
	synctest.Wait()
}

func checkAnswers(t *testing.T, wg *sync.WaitGroup, errc chan error) {
	t.Helper()
	wg.Wait()
	close(errc)
	for err := range errc {
		if err != nil {
			t.Error(err)
		}
	}
}

// TestShallowFlushWaitsForAnotherWorkersWrite: while one worker's shallow
// write is in progress, another worker's shallow tables wait and coalesce
// the requests that arrive, and are written, deeper, once it returned.
func TestShallowFlushWaitsForAnotherWorkersWrite(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p, g, names := turnsSetup(t)
		var wg sync.WaitGroup
		errc := make(chan error, 8)
		send(p, &wg, errc, rowsOutput(names[0], 1, 0))
		if got, want := <-g.calls, names[0]+":1"; got != want {
			t.Fatalf("first write %q, want %q", got, want)
		}
		send(p, &wg, errc, rowsOutput(names[1], 2, 0))
		send(p, &wg, errc, rowsOutput(names[1], 2, 10))
		select {
		case got := <-g.calls:
			t.Fatalf("%q written while the other worker's shallow write was in progress", got)
		default:
		}
		g.release <- struct{}{}
		if got, want := <-g.calls, names[1]+":2,"+names[1]+":2"; got != want {
			t.Fatalf("second write %q, want both requests together: %q", got, want)
		}
		g.release <- struct{}{}
		checkAnswers(t, &wg, errc)
		if n := p.Stats().TurnWaits.Load(); n != 1 {
			t.Errorf("%d turn waits, want 1", n)
		}
		if err := p.Shutdown(context.Background()); err != nil {
			t.Fatal(err)
		}
	})
}

// TestShallowFlushWaitsAtMostMaxTurnWait: a write that does not return
// (a slow server, a retry's backoff) holds the others back for
// maxTurnWait only.
func TestShallowFlushWaitsAtMostMaxTurnWait(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p, g, names := turnsSetup(t)
		var wg sync.WaitGroup
		errc := make(chan error, 8)
		send(p, &wg, errc, rowsOutput(names[0], 1, 0))
		<-g.calls
		start := time.Now()
		send(p, &wg, errc, rowsOutput(names[1], 1, 0))
		if got, want := <-g.calls, names[1]+":1"; got != want {
			t.Fatalf("second write %q, want %q", got, want)
		}
		// The bubble's clock: it moved only when every goroutine waited.
		if waited := time.Since(start); waited != maxTurnWait {
			t.Errorf("written after %v, want %v", waited, maxTurnWait)
		}
		g.release <- struct{}{}
		g.release <- struct{}{}
		checkAnswers(t, &wg, errc)
		if err := p.Shutdown(context.Background()); err != nil {
			t.Fatal(err)
		}
	})
}

// TestDeepFlushDoesNotWait: tables of shallowDepth rows or more are written
// at once, beside another worker's write.
func TestDeepFlushDoesNotWait(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p, g, names := turnsSetup(t)
		var wg sync.WaitGroup
		errc := make(chan error, 8)
		send(p, &wg, errc, rowsOutput(names[0], 1, 0))
		<-g.calls
		send(p, &wg, errc, rowsOutput(names[1], shallowDepth, 0))
		select {
		case got := <-g.calls:
			if want := fmt.Sprintf("%s:%d", names[1], shallowDepth); got != want {
				t.Fatalf("second write %q, want %q", got, want)
			}
		default:
			t.Fatal("a deep flush waited for another worker's write")
		}
		g.release <- struct{}{}
		g.release <- struct{}{}
		checkAnswers(t, &wg, errc)
		if n := p.Stats().TurnWaits.Load(); n != 0 {
			t.Errorf("%d turn waits, want 0", n)
		}
		if err := p.Shutdown(context.Background()); err != nil {
			t.Fatal(err)
		}
	})
}

// TestShutdownWritesAWaitingShallowFlush: Shutdown does not leave a worker
// waiting for the turn; its rows are written.
func TestShutdownWritesAWaitingShallowFlush(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p, g, names := turnsSetup(t)
		var wg sync.WaitGroup
		errc := make(chan error, 8)
		send(p, &wg, errc, rowsOutput(names[0], 1, 0))
		<-g.calls
		send(p, &wg, errc, rowsOutput(names[1], 1, 0))
		done := make(chan error, 1)
		go func() { done <- p.Shutdown(context.Background()) }()
		synctest.Wait()
		select {
		case got := <-g.calls:
			if want := names[1] + ":1"; got != want {
				t.Fatalf("write on shutdown %q, want %q", got, want)
			}
		default:
			t.Fatal("shutdown left the waiting worker's rows unwritten")
		}
		g.release <- struct{}{}
		g.release <- struct{}{}
		checkAnswers(t, &wg, errc)
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	})
}

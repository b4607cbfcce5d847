package writer_test

import (
	"fmt"
	"sync"
	"testing"

	"github.com/greptime-bridge/greptime-bridge/writer"
	"github.com/greptime-bridge/greptime-bridge/writer/greptimetest"
)

// TestConcurrentWritesShareOneClient runs writers and stream inserters in
// parallel on one client (under -race): pooled conversion memory must never
// be shared between calls, and every row must arrive exactly once.
func TestConcurrentWritesShareOneClient(t *testing.T) {
	s, c := startWithClient(t, greptimetest.Options{})
	ctx := ctxT(t)
	const workers, perWorker, rows = 8, 10, 7
	var wg sync.WaitGroup
	errs := make(chan error, workers*perWorker+workers)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			name := fmt.Sprintf("t%d", w%4)
			if w%2 == 0 {
				for i := 0; i < perWorker; i++ {
					if _, err := c.Write(ctx, cpuBatch(t, name, rows, int64((w*perWorker+i)*rows))); err != nil {
						errs <- err
					}
				}
				return
			}
			st, err := c.NewStreamInserter(ctx)
			if err != nil {
				errs <- err
				return
			}
			for i := 0; i < perWorker; i++ {
				if err := st.Write(cpuBatch(t, name, rows, int64((w*perWorker+i)*rows))); err != nil {
					errs <- err
				}
			}
			if n, err := st.CloseAndRecv(); err != nil || n != perWorker*rows {
				errs <- fmt.Errorf("stream %d: %d rows, %w", w, n, err)
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	total := 0
	for i := 0; i < 4; i++ {
		total += s.RowCount("public", fmt.Sprintf("t%d", i))
	}
	// Timestamps differ per worker and insert and tags repeat within a
	// batch only with distinct timestamps, so nothing is deduplicated.
	if total != workers*perWorker*rows {
		t.Errorf("stored %d rows, want %d", total, workers*perWorker*rows)
	}
}

// TestStreamOpensOnNextEndpoint opens a stream while the first endpoint is
// down.
func TestStreamOpensOnNextEndpoint(t *testing.T) {
	a := greptimetest.StartT(t, greptimetest.Options{})
	b := greptimetest.StartT(t, greptimetest.Options{})
	a.Stop()
	c := newClient(t, writer.DefaultConfig(a.Addr(), b.Addr()))
	st, err := c.NewStreamInserter(ctxT(t))
	if err != nil {
		t.Fatal(err)
	}
	if err := st.Write(cpuBatch(t, "cpu", 3, 0)); err != nil {
		t.Fatal(err)
	}
	if n, err := st.CloseAndRecv(); err != nil || n != 3 {
		t.Fatalf("close: %d %v", n, err)
	}
	if b.RowCount("public", "cpu") != 3 {
		t.Errorf("server b holds %d rows", b.RowCount("public", "cpu"))
	}
}

package greptimetest

import (
	"sync"
	"testing"

	gpb "github.com/GreptimeTeam/greptime-proto/go/greptime/v1"
)

// TestConcurrentInserts runs inserts, auto-alters and reads at once; the
// race detector checks the locking and the count checks nothing is lost.
func TestConcurrentInserts(t *testing.T) {
	s := StartT(t, Options{})
	c := dial(t, s)
	const workers, perWorker = 8, 20
	var wg sync.WaitGroup
	errs := make(chan error, workers*perWorker)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			host := sv("h" + itoa(w))
			extra := field("w"+itoa(w), gpb.ColumnDataType_INT64)
			for i := 0; i < perWorker; i++ {
				schema := append(cpuSchema(), extra)
				r := c.insert("public", []*gpb.RowInsertRequest{req("cc", schema, row(host, tv(int64(i)), fv(1), iv(int64(i))))})
				if r.err != nil {
					errs <- r.err
				}
				_ = s.Rows("public", "cc")
				_, _ = s.Table("public", "cc")
			}
		}(w)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	if n := s.RowCount("public", "cc"); n != workers*perWorker {
		t.Fatalf("rows = %d, want %d", n, workers*perWorker)
	}
	if ti, _ := s.Table("public", "cc"); len(ti.Columns) != 3+workers {
		t.Fatalf("columns = %d", len(ti.Columns))
	}
}

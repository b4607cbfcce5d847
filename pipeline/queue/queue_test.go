package queue

import (
	"context"
	"errors"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/greptime-bridge/greptime-bridge/translate"
	"github.com/greptime-bridge/greptime-bridge/writer/errs"
	"github.com/greptime-bridge/greptime-bridge/writer/retry"
	"github.com/greptime-bridge/greptime-bridge/writer/table"
)

// sink is a consumer that records the values of column v per table in
// the order they arrive, and fails as told.
type sink struct {
	mu      sync.Mutex
	got     map[string][]int64
	calls   int
	failFor int    // the next failFor calls fail with failErr
	failErr error  // nil: a plain (retryable) error
	refuse  string // a table refused for good
	changed chan struct{}
}

func newSink() *sink { return &sink{got: map[string][]int64{}, changed: make(chan struct{}, 1)} }

func (s *sink) Consume(_ context.Context, out *translate.Output) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls++
	if s.failFor > 0 {
		s.failFor--
		if s.failErr != nil {
			return s.failErr
		}
		return errors.New("GreptimeDB is down")
	}
	for _, b := range out.Batches {
		if b.Table == s.refuse && b.Rows() > 0 {
			return errs.NewPermanent(errors.New("column type conflict"))
		}
	}
	for _, b := range out.Batches {
		c := b.Column("v") // nil for tables other tests translate
		for i := range b.Rows() {
			var v int64
			if c != nil {
				v, _ = c.Int64(i)
			}
			s.got[b.Table] = append(s.got[b.Table], v)
		}
	}
	select {
	case s.changed <- struct{}{}:
	default:
	}
	return nil
}

func (s *sink) rows(tbl string) []int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]int64(nil), s.got[tbl]...)
}

// waitRows waits until table tbl holds n rows, for at most 10 s.
func (s *sink) waitRows(t *testing.T, tbl string, n int) {
	t.Helper()
	deadline := time.After(10 * time.Second)
	for len(s.rows(tbl)) < n {
		select {
		case <-s.changed:
		case <-deadline:
			t.Fatalf("table %s has %d rows, want %d", tbl, len(s.rows(tbl)), n)
		}
	}
}

func request(tbl string, from, n int) *translate.Output {
	out := &translate.Output{}
	b := out.Batch("db", tbl)
	for i := range n {
		b.MustColumn("ts", table.TimestampMillisecond, table.Timestamp).AppendInt64(int64(from + i))
		b.MustColumn("v", table.Int64, table.Field).AppendInt64(int64(from + i))
		if err := b.EndRow(); err != nil {
			panic(err)
		}
	}
	return out
}

func testConfig(dir string) Config {
	return Config{
		Dir: dir, MaxBytes: 1 << 20, SegmentBytes: 8 << 10, Fsync: FsyncAlways, DrainMaxBytes: 4 << 10,
		RetryAfter: 3 * time.Second, Backoff: retry.Policy{InitialBackoff: time.Millisecond, MaxBackoff: 5 * time.Millisecond},
	}
}

func openQueue(t *testing.T, cfg Config, next Consumer, reg prometheus.Registerer, lb *logBuf) *Queue {
	t.Helper()
	q, err := Open(cfg, next, nil, reg, lb.logger())
	if err != nil {
		t.Fatal(err)
	}
	q.Start()
	return q
}

func shutdown(t *testing.T, q *Queue, d time.Duration) error {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	return q.Shutdown(ctx)
}

func TestQueueDeliversEveryRowInOrderThroughRetries(t *testing.T) {
	s := newSink()
	s.failFor = 5
	var lb logBuf
	reg := prometheus.NewRegistry()
	q := openQueue(t, testConfig(t.TempDir()), s, reg, &lb)
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Go(func() {
			for i := range 50 {
				tbl := []string{"a", "b"}[w%2]
				if err := q.Consume(t.Context(), request(tbl, (w*50+i)*10, 10)); err != nil {
					t.Error(err)
				}
			}
		})
	}
	wg.Wait()
	s.waitRows(t, "a", 1000)
	s.waitRows(t, "b", 1000)
	if err := shutdown(t, q, 10*time.Second); err != nil {
		t.Fatal(err)
	}
	for _, tbl := range []string{"a", "b"} {
		got := s.rows(tbl)
		if len(got) != 1000 {
			t.Fatalf("table %s: %d rows, want exactly 1000", tbl, len(got))
		}
		// Each request's ten rows stay together and in order, and each
		// sender's requests keep their order.
		seen := map[int64]int64{}
		for i := 0; i < len(got); i += 10 {
			for j := 1; j < 10; j++ {
				if got[i+j] != got[i]+int64(j) {
					t.Fatalf("table %s: request split or reordered at row %d", tbl, i+j)
				}
			}
			sender := got[i] / 500
			if prev, ok := seen[sender]; ok && got[i] < prev {
				t.Fatalf("table %s: sender %d's rows out of order", tbl, sender)
			}
			seen[sender] = got[i]
		}
	}
	if n := metricValue(t, reg, "bridge_queue_drain_retries_total"); n != 5 {
		t.Errorf("%v drain retries, want 5", n)
	}
	if !strings.Contains(lb.String(), "retrying until it does") || !strings.Contains(lb.String(), "takes queued records again") {
		t.Errorf("outage not logged:\n%s", lb.String())
	}
	if n := metricValue(t, reg, "bridge_queue_drained_records_total"); n != 200 {
		t.Errorf("%v records drained, want 200", n)
	}
}

func TestPermanentlyRefusedRecordIsDroppedAndCountedOthersFlow(t *testing.T) {
	s := newSink()
	s.refuse = "bad"
	var lb logBuf
	reg := prometheus.NewRegistry()
	q := openQueue(t, testConfig(t.TempDir()), s, reg, &lb)
	for i := range 20 {
		tbl := "good"
		if i == 7 {
			tbl = "bad"
		}
		if err := q.Consume(t.Context(), request(tbl, i*5, 5)); err != nil {
			t.Fatal(err)
		}
	}
	s.waitRows(t, "good", 95)
	if err := shutdown(t, q, 10*time.Second); err != nil {
		t.Fatal(err)
	}
	if n := len(s.rows("good")); n != 95 {
		t.Errorf("%d good rows, want 95", n)
	}
	if n := metricValue(t, reg, "bridge_queue_records_dropped_total"); n != 1 {
		t.Errorf("%v records dropped, want 1", n)
	}
	if !strings.Contains(lb.String(), "refused a queued record for good") {
		t.Errorf("drop not logged:\n%s", lb.String())
	}
}

// TestFailuresThatAreNotTheDatasAreRetried: GreptimeDB refusing the
// bridge's credentials or asking not to be retried at once does not make
// queued rows bad; they are retried, never dropped.
func TestFailuresThatAreNotTheDatasAreRetried(t *testing.T) {
	for _, c := range []errs.Class{errs.Unauthenticated, errs.Forbidden, errs.Unavailable} {
		t.Run(c.String(), func(t *testing.T) {
			s := newSink()
			s.failFor, s.failErr = 3, errs.Mark(errors.New("refused by GreptimeDB"), c)
			var lb logBuf
			reg := prometheus.NewRegistry()
			q := openQueue(t, testConfig(t.TempDir()), s, reg, &lb)
			if err := q.Consume(t.Context(), request("m", 0, 5)); err != nil {
				t.Fatal(err)
			}
			s.waitRows(t, "m", 5)
			if err := shutdown(t, q, 10*time.Second); err != nil {
				t.Fatal(err)
			}
			if n := metricValue(t, reg, "bridge_queue_records_dropped_total"); n != 0 {
				t.Errorf("%v records dropped", n)
			}
			if n := metricValue(t, reg, "bridge_queue_drain_retries_total"); n != 3 {
				t.Errorf("%v retries, want 3", n)
			}
		})
	}
}

func TestShutdownLeavesTheRestForReplay(t *testing.T) {
	dir := t.TempDir()
	down := newSink()
	down.failFor = 1 << 30 // GreptimeDB down for the whole first run
	var lb logBuf
	q := openQueue(t, testConfig(dir), down, nil, &lb)
	for i := range 30 {
		if err := q.Consume(t.Context(), request("m", i*4, 4)); err != nil {
			t.Fatal(err)
		}
	}
	if err := shutdown(t, q, 50*time.Millisecond); err == nil || !strings.Contains(err.Error(), "30 records still in the disk queue") {
		t.Fatalf("shutdown: %v", err)
	}
	if err := q.Consume(t.Context(), request("m", 0, 1)); !errors.Is(err, ErrClosed) {
		t.Errorf("append after shutdown: %v", err)
	}

	up := newSink()
	reg := prometheus.NewRegistry()
	q2 := openQueue(t, testConfig(dir), up, reg, &lb)
	up.waitRows(t, "m", 120)
	if err := shutdown(t, q2, 10*time.Second); err != nil {
		t.Fatal(err)
	}
	got := up.rows("m")
	for i, v := range got {
		if v != int64(i) {
			t.Fatalf("replayed row %d is %d", i, v)
		}
	}
	if len(got) != 120 {
		t.Fatalf("replayed %d rows, want 120", len(got))
	}
	if n := metricValue(t, reg, "bridge_queue_replayed_records_total"); n != 30 {
		t.Errorf("%v records replayed, want 30", n)
	}
	if !strings.Contains(lb.String(), "replaying records left by an earlier run") {
		t.Error("replay not logged")
	}
	if n := metricValue(t, reg, "bridge_queue_records"); n != 0 {
		t.Errorf("%v records left after draining", n)
	}
	if n := metricValue(t, reg, "bridge_queue_replay_records"); n != 30 {
		t.Errorf("%v records found at start, want 30", n)
	}
	// A third start finds nothing to replay.
	q3 := openQueue(t, testConfig(dir), up, nil, &lb)
	if err := shutdown(t, q3, time.Second); err != nil {
		t.Fatal(err)
	}
	if len(up.rows("m")) != 120 {
		t.Errorf("a clean restart wrote rows again: %d", len(up.rows("m")))
	}
}

func TestFullQueueAnswers503AndRecovers(t *testing.T) {
	s := newSink()
	s.failFor = 1 << 30
	cfg := testConfig(t.TempDir())
	cfg.MaxBytes = 16 << 10
	var lb logBuf
	reg := prometheus.NewRegistry()
	q := openQueue(t, cfg, s, reg, &lb)
	taken := 0
	var full error
	for i := range 1000 {
		err := q.Consume(t.Context(), request("m", i*10, 10))
		if err != nil {
			full = err
			break
		}
		taken++
	}
	if full == nil || !errors.Is(full, ErrFull) {
		t.Fatalf("after %d requests: %v", taken, full)
	}
	if c, d := errs.Classify(full); c != errs.Retryable || d != 3*time.Second {
		t.Errorf("full answered as %s after %v, want retryable after 3s (503 + Retry-After)", c, d)
	}
	for range 3 {
		_ = q.Consume(t.Context(), request("m", 0, 10))
	}
	if n := strings.Count(lb.String(), "disk queue is full"); n != 1 {
		t.Errorf("full logged %d times, want once per episode", n)
	}
	if n := metricValue(t, reg, "bridge_queue_appends_refused_total"); n != 4 {
		t.Errorf("%v refusals counted, want 4", n)
	}
	// GreptimeDB comes back: the queue drains and takes requests again.
	s.mu.Lock()
	s.failFor = 0
	s.mu.Unlock()
	s.waitRows(t, "m", taken*10)
	deadline := time.Now().Add(10 * time.Second)
	for q.Consume(t.Context(), request("m", taken*10, 10)) != nil {
		if time.Now().After(deadline) {
			t.Fatal("the queue never had room again")
		}
		<-s.changed
	}
	s.waitRows(t, "m", taken*10+10)
	if err := shutdown(t, q, 10*time.Second); err != nil {
		t.Fatal(err)
	}
	if got := s.rows("m"); len(got) != taken*10+10 {
		t.Errorf("%d rows, want %d: nothing old may be dropped", len(got), taken*10+10)
	}
	if !strings.Contains(lb.String(), "disk queue has room again") {
		t.Error("recovery not logged")
	}
}

// TestDiskFullAndReadOnlyAnswer503AndRecover is fault test 6 at unit
// level: the file system fails writes with ENOSPC or EROFS (root ignores
// permissions, so the failure comes through the FS seam).
func TestDiskFullAndReadOnlyAnswer503AndRecover(t *testing.T) {
	for _, errno := range []error{syscall.ENOSPC, syscall.EROFS} {
		t.Run(errno.Error(), func(t *testing.T) {
			dir := t.TempDir()
			fs := &faultFS{}
			s := newSink()
			cfg := testConfig(dir)
			cfg.FS = fs
			var lb logBuf
			q := openQueue(t, cfg, s, nil, &lb)
			acked := 0
			for i := range 30 {
				switch i {
				case 10:
					fs.fail(errno)
				case 20:
					fs.fail(nil)
				}
				err := q.Consume(t.Context(), request("m", i*3, 3))
				if (i >= 10 && i < 20) != (err != nil) {
					t.Fatalf("request %d: %v", i, err)
				}
				if err != nil {
					if c, d := errs.Classify(err); c != errs.Retryable || d != cfg.RetryAfter {
						t.Fatalf("request %d answered as %s after %v", i, c, d)
					}
					if strings.Contains(err.Error(), dir) || strings.Contains(err.Error(), "no space") {
						t.Fatalf("the answer shows the bridge's disk details: %v", err)
					}
					continue
				}
				acked++
			}
			s.waitRows(t, "m", acked*3)
			if err := shutdown(t, q, 10*time.Second); err != nil {
				t.Fatal(err)
			}
			got := s.rows("m")
			if len(got) != 60 {
				t.Fatalf("%d rows written, want the 60 acknowledged", len(got))
			}
			for i, v := range got {
				want := int64(i)
				if i >= 30 {
					want += 30 // requests 10..19 were refused
				}
				if v != want {
					t.Fatalf("row %d is %d, want %d", i, v, want)
				}
			}
			log := lb.String()
			if strings.Count(log, "disk queue cannot write") != 1 || !strings.Contains(log, errno.Error()) ||
				!strings.Contains(log, "disk queue is writable again") {
				t.Errorf("log does not tell the episode once with its cause:\n%s", log)
			}
			// No corruption: a restart has nothing to cut or replay.
			var lb2 logBuf
			q2 := openQueue(t, testConfig(dir), s, nil, &lb2)
			if err := shutdown(t, q2, time.Second); err != nil {
				t.Fatal(err)
			}
			if strings.Contains(lb2.String(), "cut") || strings.Contains(lb2.String(), "replaying") || len(s.rows("m")) != 60 {
				t.Errorf("restart after the fault:\n%s", lb2.String())
			}
		})
	}
}

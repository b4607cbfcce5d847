package queue

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// faultFS is the OS file system with injectable failures: the error set
// in failWrite is returned by every segment write and file creation
// (ENOSPC, EROFS) until cleared.
type faultFS struct {
	OS
	failWrite atomic.Pointer[error]
	syncs     atomic.Int64
}

func (f *faultFS) fail(err error) {
	if err == nil {
		f.failWrite.Store(nil)
		return
	}
	f.failWrite.Store(&err)
}

func (f *faultFS) err() error {
	if p := f.failWrite.Load(); p != nil {
		return *p
	}
	return nil
}

func (f *faultFS) Create(name string) (File, error) {
	if err := f.err(); err != nil {
		return nil, err
	}
	file, err := f.OS.Create(name)
	if err != nil {
		return nil, err
	}
	return &faultFile{File: file, fs: f}, nil
}

func (f *faultFS) OpenRW(name string) (File, error) {
	file, err := f.OS.OpenRW(name)
	if err != nil {
		return nil, err
	}
	return &faultFile{File: file, fs: f}, nil
}

type faultFile struct {
	File
	fs *faultFS
}

// Write fails after writing half of p, as a disk filling up mid-write
// does, so the log must cut the partial write off.
func (f *faultFile) Write(p []byte) (int, error) {
	if err := f.fs.err(); err != nil {
		n, _ := f.File.Write(p[:len(p)/2])
		return n, err
	}
	return f.File.Write(p)
}

func (f *faultFile) Sync() error {
	f.fs.syncs.Add(1)
	return f.File.Sync()
}

// logBuf is a concurrency-safe log sink tests search.
type logBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *logBuf) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *logBuf) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func (l *logBuf) logger() *slog.Logger {
	return slog.New(slog.NewTextHandler(l, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

func testLogConfig(dir string, fs FS, lb *logBuf) logConfig {
	return logConfig{
		Dir: dir, FS: fs, SegmentBytes: 4 << 10, MaxBytes: 1 << 20, Fsync: FsyncAlways,
		FsyncInterval: time.Second, Log: lb.logger(),
	}
}

// openStarted opens a log and starts its writer; cleanup closes it.
func openStarted(t *testing.T, cfg logConfig) *wlog {
	t.Helper()
	l, err := openLog(cfg)
	if err != nil {
		t.Fatal(err)
	}
	go l.run()
	t.Cleanup(l.close)
	return l
}

func framed(payload string) []byte {
	b := append(make([]byte, recHeaderLen), payload...)
	frame(b, 0)
	return b
}

// readAll reads every committed record from r's position on, without
// waiting.
func readAll(t *testing.T, r *logReader) (seqs []uint64, payloads []string) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	for {
		seq, p, err := r.next(ctx)
		if err != nil {
			return seqs, payloads
		}
		seqs = append(seqs, seq)
		payloads = append(payloads, string(p))
	}
}

func payloadN(i int) string { return fmt.Sprintf("record-%05d-%s", i, bytes.Repeat([]byte{'x'}, i%97)) }

// metricValue returns the sum of a counter's or gauge's series named name
// in reg (the queue's counters are read through the registry, as a
// scrape would).
func metricValue(t *testing.T, reg *prometheus.Registry, name string) float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	sum := 0.0
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
		for _, m := range mf.GetMetric() {
			sum += m.GetCounter().GetValue() + m.GetGauge().GetValue()
		}
	}
	return sum
}

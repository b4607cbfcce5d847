package queue

import (
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"path/filepath"
	"slices"
	"sync"
	"time"

	"github.com/greptime-bridge/greptime-bridge/writer/errs"
)

// The segment log is written here rather than taken from
// github.com/tidwall/wal, which was evaluated (wal.go): its binary entries
// are a uvarint length and the data, with no checksum, so a flipped byte
// is returned as data; a torn last entry makes Open fail with ErrCorrupt
// instead of being cut; concurrent Write calls each fsync in turn under
// one mutex (WriteBatch groups only what one caller gathered); and it
// keeps the whole tail segment in memory. Checksums, cutting torn tails
// and sharing fsyncs between concurrent requests are this queue's whole
// job, so the log is small and tested here instead.

// FsyncPolicy says when appended records are forced to stable storage.
type FsyncPolicy int

// The fsync policies.
const (
	// FsyncAlways fsyncs before acknowledging: concurrent appends share
	// one write and one fsync (group commit).
	FsyncAlways FsyncPolicy = iota
	// FsyncInterval writes before acknowledging and fsyncs every
	// interval.
	FsyncInterval
	// FsyncNever writes before acknowledging and leaves flushing to the
	// operating system.
	FsyncNever
)

// ErrFull is returned when an append would take the queue past its size
// cap; the oldest data is never dropped to make room.
var ErrFull = errors.New("disk queue is full")

// ErrClosed is returned by appends after the log was closed.
var ErrClosed = errors.New("disk queue is closed")

type logConfig struct {
	Dir           string
	FS            FS
	SegmentBytes  int64
	MaxBytes      int64
	Fsync         FsyncPolicy
	FsyncInterval time.Duration
	Log           *slog.Logger
	// OnSync and OnCut feed metrics: each fsync's duration, bytes cut.
	OnSync func(time.Duration)
	OnCut  func(bytes int64)
}

type segInfo struct {
	base uint64 // sequence number of its first record
	size int64  // bytes known whole: committed, or found at open
}

// group is the records appended while the previous write was in progress;
// they are written and synced together.
type group struct {
	buf  []byte
	n    int
	err  error
	done chan struct{}
}

// wlog is the segment log: appended by many goroutines, read by one.
type wlog struct {
	cfg logConfig

	mu        sync.Mutex
	segs      []segInfo
	active    File // the last segment, open for writing; nil until the next write
	next      uint64
	done      uint64 // every record before it is acknowledged
	diskBytes int64
	pend      *group
	pendBytes int64 // appended and not yet committed
	closed    bool
	forceRoll bool
	commit    chan struct{} // closed and replaced on every commit
	startNext uint64        // next at open: records before it are replayed

	wake    chan struct{}
	stopped chan struct{}
	dirty   bool // written since the last fsync (writer goroutine only)
}

func (l *wlog) path(name string) string { return filepath.Join(l.cfg.Dir, name) }

// append adds one framed record and returns once it is as durable as the
// fsync policy promises, or failed (nothing of it committed).
func (l *wlog) append(framed []byte) error {
	l.mu.Lock()
	switch {
	case l.closed:
		l.mu.Unlock()
		return ErrClosed
	case int64(len(framed)) > l.cfg.MaxBytes-segHeaderLen || len(framed) > maxRecordBytes:
		l.mu.Unlock()
		return errs.Mark(fmt.Errorf("a queue record of %d bytes cannot fit in the queue's %d bytes", len(framed), l.cfg.MaxBytes), errs.TooLarge)
	case l.diskBytes+l.pendBytes+int64(len(framed)) > l.cfg.MaxBytes:
		l.mu.Unlock()
		return ErrFull
	}
	g := l.pend
	if g == nil {
		g = &group{done: make(chan struct{})}
		l.pend = g
	}
	g.buf = append(g.buf, framed...)
	g.n++
	l.pendBytes += int64(len(framed))
	l.mu.Unlock()
	select {
	case l.wake <- struct{}{}:
	default:
	}
	<-g.done
	return g.err
}

// run is the writer goroutine: it writes each pending group as one write
// (and one fsync under FsyncAlways), and fsyncs on a tick under
// FsyncInterval.
func (l *wlog) run() {
	defer close(l.stopped)
	var tick <-chan time.Time
	if l.cfg.Fsync == FsyncInterval {
		t := time.NewTicker(l.cfg.FsyncInterval)
		defer t.Stop()
		tick = t.C
	}
	for {
		select {
		case <-l.wake:
		case <-tick:
			if l.dirty && l.active != nil {
				if err := l.sync(l.active); err != nil {
					l.cfg.Log.Error("cannot fsync the disk queue", "dir", l.cfg.Dir, "error", err)
				}
			}
			continue
		}
		for {
			l.mu.Lock()
			g, closed := l.pend, l.closed
			l.pend = nil
			l.mu.Unlock()
			if g == nil {
				if closed {
					l.closeActive()
					return
				}
				break
			}
			l.write(g)
		}
	}
}

func (l *wlog) sync(f File) error {
	start := time.Now()
	err := f.Sync()
	if l.cfg.OnSync != nil {
		l.cfg.OnSync(time.Since(start))
	}
	if err == nil {
		l.dirty = false
	}
	return err
}

func (l *wlog) write(g *group) {
	err := l.ensureActive()
	if err == nil {
		_, err = l.active.Write(g.buf)
		if err == nil && l.cfg.Fsync == FsyncAlways {
			err = l.sync(l.active)
		}
		if err != nil {
			l.abandonActive()
		}
	}
	if err != nil {
		err = fmt.Errorf("cannot write %d records (%d bytes) to the disk queue in %s: %w", g.n, len(g.buf), l.cfg.Dir, err)
	} else {
		l.dirty = l.cfg.Fsync != FsyncAlways
	}
	l.mu.Lock()
	if err == nil {
		l.segs[len(l.segs)-1].size += int64(len(g.buf))
		l.next += uint64(g.n)
		l.diskBytes += int64(len(g.buf))
		close(l.commit)
		l.commit = make(chan struct{})
	}
	l.pendBytes -= int64(len(g.buf))
	l.mu.Unlock()
	g.err = err
	close(g.done)
}

// ensureActive opens a new segment when there is none or the current one
// is full. Records are never appended to a segment left by an earlier
// process: its tail was checked at open, and new data starts a new file.
func (l *wlog) ensureActive() error {
	l.mu.Lock()
	roll := l.active == nil || l.segs[len(l.segs)-1].size >= l.cfg.SegmentBytes || l.forceRoll
	l.forceRoll = false
	base := l.next
	l.mu.Unlock()
	if !roll {
		return nil
	}
	if l.active != nil {
		if l.cfg.Fsync != FsyncNever && l.dirty {
			if err := l.sync(l.active); err != nil {
				return err
			}
		}
		l.closeActive()
	}
	name := l.path(segName(base))
	f, err := l.cfg.FS.Create(name)
	if errors.Is(err, fs.ErrExist) {
		// An empty segment abandoned after a failed write, which could not
		// be removed then: it holds no record, so start it over.
		if f, err = l.cfg.FS.OpenRW(name); err == nil {
			err = f.Truncate(0)
		}
	}
	if err == nil {
		_, err = f.Write(segHeader())
	}
	if err == nil && l.cfg.Fsync == FsyncAlways {
		err = l.sync(f)
	}
	// The new file's directory entry is made durable once, so fsyncs of
	// its data (each append's, or the interval's) keep it after power loss.
	if err == nil && l.cfg.Fsync != FsyncNever {
		err = l.cfg.FS.SyncDir(l.cfg.Dir)
	}
	if err != nil {
		if f != nil {
			_ = f.Close()
			_ = l.cfg.FS.Remove(name)
		}
		return err
	}
	l.mu.Lock()
	l.segs = slices.DeleteFunc(l.segs, func(s segInfo) bool { return s.base == base })
	l.segs = append(l.segs, segInfo{base: base, size: segHeaderLen})
	l.diskBytes += segHeaderLen
	l.active = f
	l.mu.Unlock()
	return nil
}

// abandonActive follows a failed write or fsync: the segment is cut back
// to its committed size and closed, so the next write starts a new one. A
// segment with no committed record is removed. If cutting fails, the
// garbage beyond the committed size is never read by this process (it
// reads only committed bytes) and is cut at the next start.
func (l *wlog) abandonActive() {
	l.mu.Lock()
	last := l.segs[len(l.segs)-1]
	empty := last.size == segHeaderLen
	if empty {
		l.segs = l.segs[:len(l.segs)-1]
		l.diskBytes -= segHeaderLen
	}
	f := l.active
	l.active = nil
	l.mu.Unlock()
	if err := f.Truncate(last.size); err != nil {
		l.cfg.Log.Warn("cannot cut a failed write off the disk queue segment", "segment", segName(last.base), "error", err)
	}
	_ = f.Close()
	if empty {
		_ = l.cfg.FS.Remove(l.path(segName(last.base)))
	}
}

func (l *wlog) closeActive() {
	if l.active == nil {
		return
	}
	if l.dirty && l.cfg.Fsync != FsyncNever {
		if err := l.sync(l.active); err != nil {
			l.cfg.Log.Error("cannot fsync the disk queue", "dir", l.cfg.Dir, "error", err)
		}
	}
	_ = l.active.Close()
	l.mu.Lock()
	l.active = nil
	l.mu.Unlock()
}

// close writes what is pending, syncs and closes the active segment.
// Appends after it fail with ErrClosed.
func (l *wlog) close() {
	l.mu.Lock()
	already := l.closed
	l.closed = true
	l.mu.Unlock()
	if !already {
		select {
		case l.wake <- struct{}{}:
		default:
		}
	}
	<-l.stopped
}

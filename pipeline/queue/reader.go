package queue

import (
	"context"
	"errors"
	"fmt"
	"io"
)

// logReader reads committed records in order, from the acknowledged
// position at open on. One goroutine (the drainer) uses it.
type logReader struct {
	l    *wlog
	f    File
	sr   *segReader
	base uint64 // base of the open segment
	pos  uint64 // sequence number of the record sr returns next
	want uint64 // records before it are skipped (acknowledged before open)
	// bad is the base of an active segment found corrupt: it is never
	// reopened, and reading resumes in the segment the writer rolls to.
	bad    uint64
	hasBad bool
}

// errWaitRoll says the only segment to read is one skipped as corrupt.
var errWaitRoll = errors.New("waiting for the writer to start a new segment")

func (l *wlog) reader() *logReader {
	l.mu.Lock()
	defer l.mu.Unlock()
	return &logReader{l: l, want: l.done, pos: l.done}
}

// next returns the next record's sequence number and payload (valid until
// the next call), waiting for one to be committed until ctx ends.
func (r *logReader) next(ctx context.Context) (uint64, []byte, error) {
	for {
		l := r.l
		l.mu.Lock()
		if r.pos >= l.next {
			wait := l.commit
			l.mu.Unlock()
			select {
			case <-wait:
				continue
			case <-ctx.Done():
				return 0, nil, ctx.Err()
			}
		}
		if r.sr == nil {
			if err := r.open(); errors.Is(err, errWaitRoll) {
				wait := l.commit
				l.mu.Unlock()
				select {
				case <-wait:
					continue
				case <-ctx.Done():
					return 0, nil, ctx.Err()
				}
			} else if err != nil {
				l.mu.Unlock()
				return 0, nil, err
			}
		}
		i := r.segIndex()
		if i < 0 {
			// Removed by ack: every record in it was read and acknowledged,
			// so reading goes on in the segment holding r.pos.
			l.mu.Unlock()
			_ = r.f.Close()
			r.f, r.sr = nil, nil
			continue
		}
		r.sr.limit = l.segs[i].size
		sealed := i < len(l.segs)-1 || l.active == nil
		var nextBase uint64
		if i+1 < len(l.segs) {
			nextBase = l.segs[i+1].base
		}
		l.mu.Unlock()

		p, err := r.sr.next()
		switch {
		case err == nil:
			seq := r.pos
			r.pos++
			if seq < r.want {
				continue
			}
			return seq, p, nil
		case errors.Is(err, io.EOF) && !sealed:
			// The writer is ahead of what this segment shows only when it
			// moved to a new segment: wait for that commit.
			l.mu.Lock()
			if len(l.segs)-1 == i {
				wait := l.commit
				l.mu.Unlock()
				select {
				case <-wait:
				case <-ctx.Done():
					return 0, nil, ctx.Err()
				}
			} else {
				l.mu.Unlock()
			}
			continue
		case errors.Is(err, io.EOF):
		default:
			r.corrupt(err, sealed)
		}
		_ = r.f.Close()
		r.f, r.sr = nil, nil
		if nextBase > r.pos {
			r.pos = nextBase
		}
		if nextBase == 0 {
			// The newest segment ended (it was left by an earlier
			// process, or cut): records continue in the next one created.
			r.pos = max(r.pos, l.startNext)
		}
	}
}

// corrupt handles a torn or corrupt record found while draining: a sealed
// segment is cut at its last whole record; the active one is left to the
// writer, which is told to start a new segment.
func (r *logReader) corrupt(err error, sealed bool) {
	l := r.l
	name := segName(r.base)
	lost := r.sr.limit - r.sr.off
	l.cut(lost)
	if !sealed {
		l.mu.Lock()
		l.forceRoll = true
		r.bad, r.hasBad = r.base, true
		l.mu.Unlock()
		l.cfg.Log.Error("disk queue: a corrupt record in the segment being written; skipping the rest of it",
			"segment", name, "bytes_skipped", lost, "reason", err)
		return
	}
	cut := "cut"
	if f, oerr := l.cfg.FS.OpenRW(l.path(name)); oerr == nil {
		if terr := f.Truncate(r.sr.off); terr != nil {
			cut = "could not cut: " + terr.Error()
		}
		_ = f.Close()
	}
	l.cfg.Log.Warn("disk queue: cut a torn or corrupt record and the rest of its segment",
		"segment", name, "bytes_cut", lost, "result", cut, "reason", err)
	l.mu.Lock()
	if i := r.segIndex(); i >= 0 {
		l.diskBytes -= l.segs[i].size - r.sr.off
		l.segs[i].size = r.sr.off
	}
	l.mu.Unlock()
}

// open opens the segment holding r.pos (or the first after it); l.mu is
// held.
func (r *logReader) open() error {
	l := r.l
	i := -1
	for j, s := range l.segs {
		if s.base <= r.pos {
			i = j
		}
	}
	if i < 0 {
		i = 0
		r.pos = l.segs[0].base
	}
	if r.hasBad && l.segs[i].base == r.bad {
		if i+1 == len(l.segs) {
			return errWaitRoll
		}
		i++
		r.pos = l.segs[i].base
	}
	s := l.segs[i]
	f, err := l.cfg.FS.Open(l.path(segName(s.base)))
	if err != nil {
		return fmt.Errorf("cannot open disk queue segment: %w", err)
	}
	sr, err := newSegReader(f, s.size)
	r.f, r.base = f, s.base
	if err != nil {
		// A segment without a valid header: read it as empty (next
		// reports the cut when it finds no record).
		sr.limit = s.size
	}
	r.sr = sr
	// Records before r.pos in this segment are skipped as they are read.
	r.want = max(r.want, r.pos)
	r.pos = s.base
	return nil
}

func (r *logReader) segIndex() int {
	for i, s := range r.l.segs {
		if s.base == r.base {
			return i
		}
	}
	return -1
}

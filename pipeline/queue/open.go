package queue

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"io/fs"
	"slices"
	"strings"
)

// doneFile holds the sequence number of the first record not yet
// acknowledged by GreptimeDB (8 bytes) and its CRC-32C (4 bytes). It is
// replaced by rename, so a crash leaves the old or the new one.
const doneFile = "done"

// openLog opens (creating) the log in cfg.Dir: it reads the acknowledged
// position, checks the newest segment and cuts a torn or corrupt tail at
// its last whole record, and removes segments wholly acknowledged. It
// does not start the writer goroutine.
func openLog(cfg logConfig) (*wlog, error) {
	l := &wlog{cfg: cfg, commit: make(chan struct{}), wake: make(chan struct{}, 1), stopped: make(chan struct{})}
	if err := cfg.FS.MkdirAll(cfg.Dir); err != nil {
		return nil, fmt.Errorf("cannot create the disk queue directory %s: %w", cfg.Dir, err)
	}
	names, err := cfg.FS.ReadDir(cfg.Dir)
	if err != nil {
		return nil, fmt.Errorf("cannot list the disk queue directory %s: %w", cfg.Dir, err)
	}
	for _, n := range names {
		if base, ok := parseSegName(n); ok {
			l.segs = append(l.segs, segInfo{base: base})
		} else if strings.HasSuffix(n, ".tmp") {
			_ = cfg.FS.Remove(l.path(n))
		}
	}
	slices.SortFunc(l.segs, func(a, b segInfo) int { return compareU64(a.base, b.base) })
	l.done = l.readDone()
	for i := range l.segs {
		f, err := cfg.FS.Open(l.path(segName(l.segs[i].base)))
		if err != nil {
			return nil, fmt.Errorf("cannot open disk queue segment: %w", err)
		}
		st, err := f.Stat()
		_ = f.Close()
		if err != nil {
			return nil, fmt.Errorf("cannot stat disk queue segment: %w", err)
		}
		l.segs[i].size = st.Size()
	}
	// Only the newest segment can hold a torn tail: every earlier one was
	// complete when the next was created. A newest segment left with no
	// whole record is removed, and the one before it checked in turn.
	for len(l.segs) > 0 {
		last := &l.segs[len(l.segs)-1]
		records, err := l.checkTail(last)
		if err != nil {
			return nil, err
		}
		if records > 0 {
			l.next = last.base + uint64(records)
			break
		}
		if err := cfg.FS.Remove(l.path(segName(last.base))); err != nil {
			return nil, fmt.Errorf("cannot remove an empty disk queue segment: %w", err)
		}
		l.segs = l.segs[:len(l.segs)-1]
	}
	l.next = max(l.next, l.done)
	if len(l.segs) > 0 {
		l.done = max(l.done, l.segs[0].base)
	}
	l.startNext = l.next
	for _, s := range l.segs {
		l.diskBytes += s.size
	}
	l.removeAcknowledged()
	return l, nil
}

func compareU64(a, b uint64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// checkTail reads every record of s, cuts the segment at the first torn
// or corrupt one, logging how much was cut, and returns the records kept.
func (l *wlog) checkTail(s *segInfo) (int, error) {
	name := segName(s.base)
	f, err := l.cfg.FS.OpenRW(l.path(name))
	if err != nil {
		return 0, fmt.Errorf("cannot open disk queue segment %s: %w", name, err)
	}
	defer f.Close()
	sr, err := newSegReader(f, s.size)
	records := 0
	for err == nil {
		if _, err = sr.next(); err == nil {
			records++
		}
	}
	if errors.Is(err, io.EOF) {
		return records, nil
	}
	cut := s.size - sr.off
	if records == 0 {
		if s.size > 0 {
			l.cfg.Log.Warn("disk queue: removing a segment with no whole record", "segment", name, "bytes", s.size, "reason", err)
			l.cut(s.size)
		}
		return 0, nil
	}
	if terr := f.Truncate(sr.off); terr != nil {
		return 0, fmt.Errorf("cannot cut the torn tail of disk queue segment %s: %w", name, terr)
	}
	if serr := f.Sync(); serr != nil {
		return 0, fmt.Errorf("cannot sync disk queue segment %s: %w", name, serr)
	}
	l.cfg.Log.Warn("disk queue: cut a torn or corrupt tail at the last whole record",
		"segment", name, "bytes_cut", cut, "records_kept", records, "reason", err)
	l.cut(cut)
	s.size = sr.off
	return records, nil
}

func (l *wlog) cut(n int64) {
	if l.cfg.OnCut != nil {
		l.cfg.OnCut(n)
	}
}

func (l *wlog) readDone() uint64 {
	f, err := l.cfg.FS.Open(l.path(doneFile))
	if errors.Is(err, fs.ErrNotExist) {
		return 0
	}
	var b [12]byte
	if err == nil {
		_, err = io.ReadFull(f, b[:])
		_ = f.Close()
	}
	if err == nil && crc32.Checksum(b[:8], castagnoli) != binary.LittleEndian.Uint32(b[8:]) {
		err = errors.New("checksum mismatch")
	}
	if err != nil {
		// Replaying from the oldest segment can only duplicate rows.
		l.cfg.Log.Warn("disk queue: the acknowledged position is unreadable; replaying every segment", "error", err)
		return 0
	}
	return binary.LittleEndian.Uint64(b[:8])
}

// ack records that every record before upTo is acknowledged: it persists
// the position and removes segments holding only acknowledged records.
// Only the drainer calls it.
func (l *wlog) ack(upTo uint64) error {
	l.mu.Lock()
	if upTo <= l.done {
		l.mu.Unlock()
		return nil
	}
	l.done = upTo
	l.mu.Unlock()
	var b [12]byte
	binary.LittleEndian.PutUint64(b[:], upTo)
	binary.LittleEndian.PutUint32(b[8:], crc32.Checksum(b[:8], castagnoli))
	tmp := l.path(doneFile + ".tmp")
	_ = l.cfg.FS.Remove(tmp)
	f, err := l.cfg.FS.Create(tmp)
	if err == nil {
		_, err = f.Write(b[:])
		if err == nil && l.cfg.Fsync != FsyncNever {
			err = f.Sync()
		}
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err == nil {
			err = l.cfg.FS.Rename(tmp, l.path(doneFile))
		}
	}
	// Segments go even when the position could not be saved: what they
	// hold is acknowledged, and removing them frees the space a full disk
	// needs. A restart then replays from the next segment's start.
	l.removeAcknowledged()
	if err != nil {
		return fmt.Errorf("cannot save the disk queue's acknowledged position: %w", err)
	}
	return nil
}

// removeAcknowledged removes every segment whose records are all before
// done; the newest segment always stays.
func (l *wlog) removeAcknowledged() {
	l.mu.Lock()
	var gone []segInfo
	for len(l.segs) > 1 && l.segs[1].base <= l.done {
		gone = append(gone, l.segs[0])
		l.diskBytes -= l.segs[0].size
		l.segs = l.segs[1:]
	}
	l.mu.Unlock()
	for _, s := range gone {
		if err := l.cfg.FS.Remove(l.path(segName(s.base))); err != nil && !errors.Is(err, fs.ErrNotExist) {
			l.cfg.Log.Warn("cannot remove an acknowledged disk queue segment", "segment", segName(s.base), "error", err)
		}
	}
}

package queue

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
)

func TestConcurrentAppendsShareFsyncsAndReadBackInOrder(t *testing.T) {
	dir := t.TempDir()
	fs := &faultFS{}
	var lb logBuf
	l := openStarted(t, testLogConfig(dir, fs, &lb))
	const writers, each = 16, 200
	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() {
			for i := range each {
				if err := l.append(framed(payloadN(w*each + i))); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	seqs, got := readAll(t, l.reader())
	if len(got) != writers*each {
		t.Fatalf("read %d records, appended %d", len(got), writers*each)
	}
	for i, s := range seqs {
		if s != uint64(i) {
			t.Fatalf("record %d has sequence number %d", i, s)
		}
	}
	want := make([]string, 0, writers*each)
	for i := range writers * each {
		want = append(want, payloadN(i))
	}
	slices.Sort(got)
	if !slices.Equal(got, want) {
		t.Fatal("records read back differ from those appended")
	}
	// Each writer's own records keep their order.
	_, inOrder := readAll(t, l.reader())
	last := map[int]int{}
	for _, p := range inOrder {
		var n int
		for _, c := range p[len("record-") : len("record-")+5] {
			n = n*10 + int(c-'0')
		}
		if prev, ok := last[n/each]; ok && n <= prev {
			t.Fatalf("writer %d's record %d read after %d", n/each, n, prev)
		}
		last[n/each] = n
	}
	if s := fs.syncs.Load(); s >= writers*each {
		t.Errorf("%d fsyncs for %d appends: concurrent appends did not share them", s, writers*each)
	}
	segs, _ := filepath.Glob(filepath.Join(dir, "*.seg"))
	if len(segs) < 2 {
		t.Errorf("%d segments: the 4 KiB segment size did not roll", len(segs))
	}
}

// writeRecords appends payloads to a fresh log in dir and closes it,
// returning the segment file holding the last record and where that
// record starts.
func writeRecords(t *testing.T, dir string, n int) (seg string, lastStart int64) {
	t.Helper()
	var lb logBuf
	cfg := testLogConfig(dir, OS{}, &lb)
	cfg.SegmentBytes = 1 << 20
	l, err := openLog(cfg)
	if err != nil {
		t.Fatal(err)
	}
	go l.run()
	for i := range n {
		if i == n-1 {
			lastStart = l.segs[len(l.segs)-1].size
			if l.active == nil {
				lastStart = segHeaderLen
			}
		}
		if err := l.append(framed(payloadN(i))); err != nil {
			t.Fatal(err)
		}
	}
	seg = filepath.Join(dir, segName(l.segs[len(l.segs)-1].base))
	l.close()
	return seg, lastStart
}

func TestTornTailIsCutAtEveryByteOfTheLastRecord(t *testing.T) {
	src := t.TempDir()
	seg, lastStart := writeRecords(t, src, 5)
	whole, err := os.ReadFile(seg)
	if err != nil {
		t.Fatal(err)
	}
	for cut := lastStart + 1; cut < int64(len(whole)); cut++ {
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, filepath.Base(seg)), whole[:cut], 0o600); err != nil {
			t.Fatal(err)
		}
		var lb logBuf
		l := openStarted(t, testLogConfig(dir, OS{}, &lb))
		_, got := readAll(t, l.reader())
		if len(got) != 4 || got[3] != payloadN(3) {
			t.Fatalf("torn at %d: read %d records", cut, len(got))
		}
		if want := "bytes_cut=" + itoa(cut-lastStart); !strings.Contains(lb.String(), want) {
			t.Fatalf("torn at %d: log does not say %s:\n%s", cut, want, lb.String())
		}
		if st, _ := os.Stat(filepath.Join(dir, filepath.Base(seg))); st.Size() != lastStart {
			t.Fatalf("torn at %d: segment left at %d bytes, want %d", cut, st.Size(), lastStart)
		}
		// The log goes on after the cut: a new record follows the four.
		if err := l.append(framed("after")); err != nil {
			t.Fatal(err)
		}
		seqs, got := readAll(t, l.reader())
		if len(got) != 5 || got[4] != "after" || seqs[4] != 4 {
			t.Fatalf("torn at %d: after an append read %v %v", cut, seqs, got)
		}
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func TestCorruptChecksumIsCut(t *testing.T) {
	for _, at := range []string{"length", "checksum", "payload"} {
		t.Run(at, func(t *testing.T) {
			dir := t.TempDir()
			seg, lastStart := writeRecords(t, dir, 5)
			b, _ := os.ReadFile(seg)
			off := map[string]int64{"length": lastStart, "checksum": lastStart + 5, "payload": lastStart + recHeaderLen + 3}[at]
			b[off] ^= 0x10
			if err := os.WriteFile(seg, b, 0o600); err != nil {
				t.Fatal(err)
			}
			var lb logBuf
			l := openStarted(t, testLogConfig(dir, OS{}, &lb))
			if _, got := readAll(t, l.reader()); len(got) != 4 {
				t.Fatalf("read %d records, want the 4 before the corrupt one", len(got))
			}
			if !strings.Contains(lb.String(), "cut a torn or corrupt tail") {
				t.Errorf("no log line:\n%s", lb.String())
			}
		})
	}
}

func TestCorruptRecordInAnOlderSegmentIsCutWhileReading(t *testing.T) {
	dir := t.TempDir()
	var lb logBuf
	l := openStarted(t, testLogConfig(dir, OS{}, &lb))
	for i := range 200 {
		if err := l.append(framed(payloadN(i))); err != nil {
			t.Fatal(err)
		}
	}
	l.close()
	segs, _ := filepath.Glob(filepath.Join(dir, "*.seg"))
	if len(segs) < 3 {
		t.Fatalf("%d segments", len(segs))
	}
	// Flip a byte in the first record's payload of the first segment.
	b, _ := os.ReadFile(segs[0])
	b[segHeaderLen+recHeaderLen+2] ^= 1
	_ = os.WriteFile(segs[0], b, 0o600)
	second, _ := parseSegName(filepath.Base(segs[1]))

	l2 := openStarted(t, testLogConfig(dir, OS{}, &lb))
	seqs, got := readAll(t, l2.reader())
	if len(got) != 200-int(second) || seqs[0] != second || got[0] != payloadN(int(second)) {
		t.Fatalf("read %d records from %d, want the %d from the second segment on", len(got), seqs[0], 200-second)
	}
	if !strings.Contains(lb.String(), "cut a torn or corrupt record and the rest of its segment") {
		t.Errorf("no log line:\n%s", lb.String())
	}
	if st, _ := os.Stat(segs[0]); st.Size() != segHeaderLen {
		t.Errorf("corrupt segment left at %d bytes", st.Size())
	}
}

func TestEmptyAndHeaderlessSegmentsAreRemoved(t *testing.T) {
	for name, content := range map[string][]byte{"empty": nil, "half header": []byte("GBQ"), "header only": segHeader()} {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			writeRecords(t, dir, 3)
			stray := filepath.Join(dir, segName(3))
			if err := os.WriteFile(stray, content, 0o600); err != nil {
				t.Fatal(err)
			}
			var lb logBuf
			l := openStarted(t, testLogConfig(dir, OS{}, &lb))
			if _, err := os.Stat(stray); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("segment without records kept: %v", err)
			}
			if err := l.append(framed("next")); err != nil {
				t.Fatal(err)
			}
			seqs, got := readAll(t, l.reader())
			if len(got) != 4 || seqs[3] != 3 || got[3] != "next" {
				t.Fatalf("read %v %v", seqs, got)
			}
		})
	}
}

func TestRestartResumesAfterTheAcknowledgedPosition(t *testing.T) {
	dir := t.TempDir()
	var lb logBuf
	l := openStarted(t, testLogConfig(dir, OS{}, &lb))
	for i := range 100 {
		if err := l.append(framed(payloadN(i))); err != nil {
			t.Fatal(err)
		}
	}
	r := l.reader()
	for range 90 {
		if _, _, err := r.next(t.Context()); err != nil {
			t.Fatal(err)
		}
	}
	before := l.diskBytes
	if err := l.ack(90); err != nil {
		t.Fatal(err)
	}
	if l.diskBytes >= before {
		t.Errorf("acknowledging 90 of 100 records removed no segment (%d bytes before, %d after)", before, l.diskBytes)
	}
	l.close()

	l2 := openStarted(t, testLogConfig(dir, OS{}, &lb))
	if err := l2.append(framed("new")); err != nil {
		t.Fatal(err)
	}
	seqs, got := readAll(t, l2.reader())
	if len(got) != 11 || seqs[0] != 90 || got[0] != payloadN(90) || seqs[10] != 100 || got[10] != "new" {
		t.Fatalf("after restart read %d records from %d", len(got), seqs[0])
	}
}

func TestSizeCapRefusesAndFreesOnAcknowledgement(t *testing.T) {
	dir := t.TempDir()
	var lb logBuf
	cfg := testLogConfig(dir, OS{}, &lb)
	cfg.MaxBytes = 16 << 10
	l := openStarted(t, cfg)
	rec := framed(strings.Repeat("y", 1000))
	n := 0
	for ; n < 100; n++ {
		err := l.append(rec)
		if errors.Is(err, ErrFull) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	if n == 0 || n == 100 || l.diskBytes > cfg.MaxBytes {
		t.Fatalf("%d records taken, %d bytes on disk, cap %d", n, l.diskBytes, cfg.MaxBytes)
	}
	// Nothing queued was dropped to make room.
	if _, got := readAll(t, l.reader()); len(got) != n {
		t.Fatalf("%d records readable, %d taken", len(got), n)
	}
	if err := l.ack(uint64(n)); err != nil {
		t.Fatal(err)
	}
	if err := l.append(rec); err != nil {
		t.Fatalf("after acknowledging everything: %v", err)
	}
	if err := l.append(make([]byte, cfg.MaxBytes)); err == nil || errors.Is(err, ErrFull) {
		t.Errorf("a record larger than the queue: %v, want a permanent too-large error", err)
	}
}

func TestWriteFailuresCommitNothingAndRecover(t *testing.T) {
	for _, errno := range []error{syscall.ENOSPC, syscall.EROFS} {
		t.Run(errno.Error(), func(t *testing.T) {
			dir := t.TempDir()
			fs := &faultFS{}
			var lb logBuf
			l := openStarted(t, testLogConfig(dir, fs, &lb))
			ok := 0
			for i := range 30 {
				if i == 10 {
					fs.fail(errno)
				}
				if i == 20 {
					fs.fail(nil)
				}
				err := l.append(framed(payloadN(i)))
				if (i >= 10 && i < 20) != (err != nil) {
					t.Fatalf("append %d: %v", i, err)
				}
				if err == nil {
					ok++
				} else if !errors.Is(err, errno) {
					t.Fatalf("append %d: %v does not wrap %v", i, err, errno)
				}
			}
			_, got := readAll(t, l.reader())
			want := []string{}
			for i := range 30 {
				if i < 10 || i >= 20 {
					want = append(want, payloadN(i))
				}
			}
			if !slices.Equal(got, want) {
				t.Fatalf("read %d records, want the %d that succeeded", len(got), ok)
			}
			l.close()
			// A restart sees exactly the same records, with nothing to cut.
			var lb2 logBuf
			l2 := openStarted(t, testLogConfig(dir, OS{}, &lb2))
			if _, got := readAll(t, l2.reader()); !slices.Equal(got, want) {
				t.Fatalf("after restart read %d records, want %d", len(got), len(want))
			}
			if strings.Contains(lb2.String(), "cut") {
				t.Errorf("restart cut something:\n%s", lb2.String())
			}
		})
	}
}

func TestFsyncPolicies(t *testing.T) {
	for _, p := range []FsyncPolicy{FsyncInterval, FsyncNever} {
		dir := t.TempDir()
		fs := &faultFS{}
		var lb logBuf
		cfg := testLogConfig(dir, fs, &lb)
		cfg.Fsync = p
		l := openStarted(t, cfg)
		for i := range 50 {
			if err := l.append(framed(payloadN(i))); err != nil {
				t.Fatal(err)
			}
		}
		if s := fs.syncs.Load(); p == FsyncNever && s > 0 {
			t.Errorf("policy never: %d fsyncs", s)
		}
		if _, got := readAll(t, l.reader()); len(got) != 50 {
			t.Errorf("policy %d: read %d", p, len(got))
		}
	}
}

// TestCorruptRecordInTheActiveSegmentIsSkipped flips a committed byte in
// the segment being written (bit rot while running): the reader skips the
// rest of that segment, the writer moves to a new one, and reading goes
// on with the records appended after.
func TestCorruptRecordInTheActiveSegmentIsSkipped(t *testing.T) {
	dir := t.TempDir()
	var lb logBuf
	l := openStarted(t, testLogConfig(dir, OS{}, &lb))
	for i := range 3 {
		if err := l.append(framed(payloadN(i))); err != nil {
			t.Fatal(err)
		}
	}
	seg := filepath.Join(dir, segName(0))
	b, _ := os.ReadFile(seg)
	b[segHeaderLen+recHeaderLen+1] ^= 0x40 // the first record's payload
	if err := os.WriteFile(seg, b, 0o600); err != nil {
		t.Fatal(err)
	}
	r := l.reader()
	if _, got := readAll(t, r); len(got) != 0 {
		t.Fatalf("read %d records from a segment corrupt at its first", len(got))
	}
	if !strings.Contains(lb.String(), "a corrupt record in the segment being written") {
		t.Fatalf("no log line:\n%s", lb.String())
	}
	if err := l.append(framed("after")); err != nil {
		t.Fatal(err)
	}
	seqs, got := readAll(t, r)
	if len(got) != 1 || got[0] != "after" || seqs[0] != 3 {
		t.Fatalf("after the skip read %v %v", seqs, got)
	}
}

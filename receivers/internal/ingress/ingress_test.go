package ingress

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/s2"
	"github.com/klauspost/compress/snappy"
	"github.com/klauspost/compress/zlib"
	"github.com/klauspost/compress/zstd"

	"github.com/greptime-bridge/greptime-bridge/pipeline"
	"github.com/greptime-bridge/greptime-bridge/writer/errs"
)

func TestEncodingRules(t *testing.T) {
	for _, c := range []struct {
		header string
		rw     string // "" = refused
		otlp   string
	}{
		{"", "snappy", "identity"},
		{"snappy", "snappy", ""},
		{" ZSTD ", "zstd", "zstd"},
		{"gzip", "", "gzip"},
		{"deflate", "", "deflate"},
		{"identity", "", "identity"},
		{"br", "", ""},
		{"snappy, gzip", "", ""},
	} {
		rw, err := RemoteWriteEncoding(c.header)
		if got := rw.String(); (err == nil) != (c.rw != "") || (err == nil && got != c.rw) {
			t.Errorf("remote write %q: %v %v, want %q", c.header, got, err, c.rw)
		}
		if err != nil && !errors.Is(err, ErrUnsupportedEncoding) {
			t.Errorf("remote write %q: %v is not ErrUnsupportedEncoding", c.header, err)
		}
		o, err := OTLPEncoding(c.header)
		if got := o.String(); (err == nil) != (c.otlp != "") || (err == nil && got != c.otlp) {
			t.Errorf("OTLP %q: %v %v, want %q", c.header, got, err, c.otlp)
		}
	}
}

func zstdFrame(t testing.TB, data []byte, withFCS bool) []byte {
	t.Helper()
	if withFCS {
		enc, _ := zstd.NewWriter(nil, zstd.WithWindowSize(1<<19))
		defer enc.Close()
		return enc.EncodeAll(data, nil)
	}
	// A stream writer does not know the size in advance: no FCS.
	var buf bytes.Buffer
	enc, _ := zstd.NewWriter(&buf, zstd.WithWindowSize(1<<19))
	_, _ = enc.Write(data)
	_ = enc.Close()
	return buf.Bytes()
}

func gzipBody(t testing.TB, members ...[]byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	for _, m := range members {
		zw := gzip.NewWriter(&buf)
		_, _ = zw.Write(m)
		_ = zw.Close()
	}
	return buf.Bytes()
}

func deflateBody(data []byte) []byte {
	var buf bytes.Buffer
	zw := zlib.NewWriter(&buf)
	_, _ = zw.Write(data)
	_ = zw.Close()
	return buf.Bytes()
}

// body wraps raw bytes as a read Body of an Ingress with the given limits.
func body(t *testing.T, in *Ingress, raw []byte) *Body {
	t.Helper()
	req := httptest.NewRequest(http.MethodPost, "/", bytes.NewReader(raw))
	b, err := in.Read(httptest.NewRecorder(), req)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(b.Close)
	return b
}

func TestDecodeRoundTrips(t *testing.T) {
	data := bytes.Repeat([]byte("remote write and OTLP "), 20000)
	in := New(Config{MaxRequestBytes: 1 << 20, MaxDecompressedBytes: 1 << 20}, pipeline.NewBudget(8<<20, time.Second))
	for _, c := range []struct {
		enc Encoding
		raw []byte
	}{
		{Identity, data},
		{Snappy, snappy.Encode(nil, data)},
		{Zstd, zstdFrame(t, data, true)},
		{Zstd, zstdFrame(t, data, false)},
		{Gzip, gzipBody(t, data[:1000], data[1000:])},
		{Deflate, deflateBody(data)},
	} {
		b := body(t, in, c.raw)
		out, err := b.Decode(c.enc)
		if err != nil || !bytes.Equal(out, data) {
			t.Fatalf("%v: %d bytes, %v", c.enc, len(out), err)
		}
		if b.Held() < int64(b.Size()) {
			t.Fatalf("%v: holds %d bytes of budget for %d bytes of buffers", c.enc, b.Held(), b.Size())
		}
	}
}

// TestBombsStopAtTheLimit: every encoding's decompression bomb is refused
// at the decompressed-size limit, having reserved (and so allocated) no
// more than the limit plus a step (twice that for zstd, whose decoder
// keeps a window of history), and leaves the budget empty once closed.
func TestBombsStopAtTheLimit(t *testing.T) {
	const limit = 1 << 20
	zeros := make([]byte, 4<<20)
	forged := gzipBody(t, zeros)
	copy(forged[len(forged)-4:], []byte{1, 0, 0, 0}) // ISIZE trailer says 1 byte
	snappyLie := append(binaryUvarint(limit/2), 0, 0)
	for _, c := range []struct {
		name   string
		enc    Encoding
		raw    []byte
		class  errs.Class
		header bool // refused from a declared size, before decoding
	}{
		{"zstd declaring its size", Zstd, zstdFrame(t, zeros, true), errs.TooLarge, true},
		{"zstd without frame content size", Zstd, zstdFrame(t, zeros, false), errs.TooLarge, false},
		{"gzip zeros then an empty member", Gzip, gzipBody(t, zeros, nil), errs.TooLarge, false},
		{"gzip with a size trailer that lies", Gzip, forged, errs.TooLarge, false},
		{"deflate", Deflate, deflateBody(zeros), errs.TooLarge, false},
		{"snappy declaring more than the limit", Snappy, s2.EncodeSnappy(nil, zeros), errs.TooLarge, true},
		{"snappy declaring more than it can expand to", Snappy, snappyLie, errs.BadData, true},
		{"identity over the limit", Identity, zeros[:limit+1], errs.TooLarge, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			budget := pipeline.NewBudget(64<<20, time.Second)
			in := New(Config{MaxRequestBytes: 32 << 20, MaxDecompressedBytes: limit}, budget)
			req := httptest.NewRequest(http.MethodPost, "/", bytes.NewReader(c.raw))
			b, err := in.Read(httptest.NewRecorder(), req)
			if err != nil {
				t.Fatal(err)
			}
			raw := int64(len(c.raw))
			_, err = b.Decode(c.enc)
			if cl, _ := errs.Classify(err); cl != c.class {
				t.Fatalf("got %v (%v), want %v", err, cl, c.class)
			}
			bound := raw + 2*readStep + raw/4
			if !c.header {
				bound += limit + limit/4
				if c.enc == Zstd {
					bound += limit + limit/4
				}
			}
			if b.Held() > bound {
				t.Fatalf("held %d bytes of budget, bound %d", b.Held(), bound)
			}
			b.Close()
			if budget.Used() != 0 {
				t.Fatalf("budget leaked %d bytes", budget.Used())
			}
		})
	}
}

func binaryUvarint(v uint64) []byte {
	var out []byte
	for v >= 0x80 {
		out = append(out, byte(v)|0x80)
		v >>= 7
	}
	return append(out, byte(v))
}

// TestReadReservesWhatArrived: a body declaring 32 MiB that has sent one
// byte holds a step of budget, not 32 MiB (issue #11: sixteen slow
// senders declaring 32 MiB held the whole budget).
func TestReadReservesWhatArrived(t *testing.T) {
	budget := pipeline.NewBudget(512<<20, time.Second)
	in := New(Config{MaxRequestBytes: 32 << 20, MaxDecompressedBytes: 256 << 20}, budget)
	pr, pw := io.Pipe()
	req := httptest.NewRequest(http.MethodPost, "/", pr)
	req.ContentLength = 32 << 20
	done := make(chan error, 1)
	go func() {
		b, err := in.Read(httptest.NewRecorder(), req)
		if b != nil {
			b.Close()
		}
		done <- err
	}()
	if _, err := pw.Write([]byte{1}); err != nil {
		t.Fatal(err)
	}
	if u := budget.Used(); u > 2*readStep {
		t.Fatalf("one byte in, %d bytes of budget held", u)
	}
	_ = pw.CloseWithError(errors.New("sender went away"))
	if err := <-done; err == nil {
		t.Fatal("a broken body was read whole")
	}
	if budget.Used() != 0 {
		t.Fatalf("budget leaked %d bytes", budget.Used())
	}
}

func TestReadRefusesOversizedBodies(t *testing.T) {
	in := New(Config{MaxRequestBytes: 1000, MaxDecompressedBytes: 4000}, nil)
	for _, declared := range []int64{1001, -1} {
		req := httptest.NewRequest(http.MethodPost, "/", bytes.NewReader(make([]byte, 1001)))
		req.ContentLength = declared
		_, err := in.Read(httptest.NewRecorder(), req)
		if !errors.Is(err, ErrTooLarge) {
			t.Fatalf("declared %d: %v, want ErrTooLarge", declared, err)
		}
	}
}

// TestReadLargerThanBudgetIs413: a body that occupies more than the whole
// budget can never be taken.
func TestReadLargerThanBudgetIs413(t *testing.T) {
	in := New(Config{MaxRequestBytes: 1 << 20, MaxDecompressedBytes: 1 << 20}, pipeline.NewBudget(100<<10, time.Second))
	req := httptest.NewRequest(http.MethodPost, "/", bytes.NewReader(make([]byte, 200<<10)))
	_, err := in.Read(httptest.NewRecorder(), req)
	if c, _ := errs.Classify(err); c != errs.TooLarge {
		t.Fatalf("got %v (%v), want too large", err, c)
	}
}

// TestSlowBodyIsCut: a sender trickling its body below the minimum rate is
// cut once the grace period has passed, answered 400, and its budget freed.
func TestSlowBodyIsCut(t *testing.T) {
	budget := pipeline.NewBudget(64<<20, time.Second)
	in := New(Config{
		MaxRequestBytes: 32 << 20, MaxDecompressedBytes: 32 << 20,
		BodyGrace: 300 * time.Millisecond, MinBodyRate: 1 << 20,
	}, budget)
	got := make(chan error, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, err := in.Read(w, r)
		if b != nil {
			b.Close()
		}
		got <- err
		w.WriteHeader(http.StatusBadRequest)
	}))
	defer srv.Close()
	pr, pw := io.Pipe()
	defer pw.Close()
	req, _ := http.NewRequestWithContext(context.Background(), http.MethodPost, srv.URL, pr)
	req.ContentLength = 32 << 20
	go func() {
		if resp, err := http.DefaultClient.Do(req); err == nil {
			resp.Body.Close()
		}
	}()
	// One byte, then nothing: the sender stays connected.
	if _, err := pw.Write([]byte{1}); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-got:
		if !errors.Is(err, ErrTooSlow) || !strings.Contains(err.Error(), "bytes/s") {
			t.Fatalf("got %v, want ErrTooSlow", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("a stalled body was not cut")
	}
	if budget.Used() != 0 {
		t.Fatalf("budget leaked %d bytes", budget.Used())
	}
}

// TestContendedDecodeGivesBackAndWaits: when the budget runs short part
// way through a decompression, the request gives back what it took for the
// output, waits in line for all it may need, and then decodes in full;
// it never sits on a part while waiting for more.
func TestContendedDecodeGivesBackAndWaits(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const limit = 1 << 20
		budget := pipeline.NewBudget(3*limit, time.Second)
		in := New(Config{MaxRequestBytes: limit, MaxDecompressedBytes: limit, BudgetWait: time.Minute}, budget)
		data := bytes.Repeat([]byte("0123456789abcdef"), (limit-1000)/16)
		b := body(t, in, gzipBody(t, data))
		raw := int64(b.Size())           // the memory the body holds, charged whole
		other := 3*limit - raw - limit/2 // leaves half the limit free
		if err := budget.Acquire(context.Background(), other, 0); err != nil {
			t.Fatal(err)
		}
		got := make(chan error, 1)
		var out []byte
		go func() {
			var err error
			out, err = b.Decode(Gzip)
			got <- err
		}()
		synctest.Wait()
		if u := budget.Used(); u != other+raw {
			t.Fatalf("while waiting the request holds %d bytes besides its body", u-other-raw)
		}
		budget.Release(other)
		if err := <-got; err != nil || !bytes.Equal(out, data) {
			t.Fatalf("%d bytes, %v", len(out), err)
		}
	})
}

package ingress

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/greptime-bridge/greptime-bridge/pipeline"
)

// chargedReader hands out data as a gRPC message does (grpc_stream.go
// message.Read: what each read asks for) or, with piece set, in pieces of
// at most that many bytes. At each read it checks that the budget covers
// the memory the read is written into: the Body's whole buffer (the bytes
// delivered before plus p's capacity: p starts where they end) and, for a
// gathering source (ReadMessage), its own copy of p, which it holds until
// the read returns.
type chargedReader struct {
	t       *testing.T
	budget  *pipeline.Budget
	data    []byte
	piece   int
	gathers bool
	done    int // bytes delivered
	reads   int
}

func (r *chargedReader) Read(p []byte) (int, error) {
	r.t.Helper()
	if len(r.data) == 0 {
		return 0, io.EOF
	}
	r.reads++
	want := int64(r.done + cap(p))
	if r.gathers {
		want += int64(len(p))
	}
	if u := r.budget.Used(); u < want {
		r.t.Errorf("read %d of %d bytes after %d: %d bytes of budget held, the buffer read into (capacity %d) and the source's copy hold %d",
			r.reads, len(p), r.done, u, r.done+cap(p), want)
	}
	if r.piece > 0 {
		p = p[:min(len(p), r.piece)]
	}
	n := copy(p, r.data)
	r.data = r.data[n:]
	r.done += n
	return n, nil
}

// TestReadUsesWholePooledBuffer reads a 600 KB message into a body whose
// pooled buffer is large enough: it must be read into that buffer, with
// the buffer reserved whole, and go back to the pool whole. The buffer was
// used for the first step only, and every OTLP/gRPC message was read into
// new buffers grown a quarter at a time (issue #12). A gathering source
// (an OTLP/gRPC stream: ReadMessage) holds each read besides the buffer,
// and that is reserved too while the read lasts (holdRead), whether the
// message arrives in one read or in several pieces.
func TestReadUsesWholePooledBuffer(t *testing.T) {
	const size = 600_000
	for _, gathers := range []bool{false, true} {
		for _, piece := range []int{0, 100_000} {
			t.Run(fmt.Sprintf("gathers=%v/piece=%d", gathers, piece), func(t *testing.T) {
				budget := pipeline.NewBudget(64<<20, time.Second)
				in := New(Config{MaxRequestBytes: 32 << 20, MaxDecompressedBytes: 32 << 20}, budget)
				pooled := getBuf(size + 100_000)
				first, capacity := &(*pooled)[:1][0], cap(*pooled)
				if capacity <= size+1 {
					t.Fatalf("a pooled buffer of %d bytes cannot show a read stopping at the message's end", capacity)
				}
				b := &Body{in: in, ctx: context.Background(), raw: pooled}
				data := bytes.Repeat([]byte("otlp"), size/4)
				src := &chargedReader{t: t, budget: budget, data: data, piece: piece, gathers: gathers}
				if err := b.readRaw(src, size, reading{gathers: gathers}); err != nil {
					t.Fatal(err)
				}
				defer b.Close()
				raw := b.Raw()
				if !bytes.Equal(raw, data) {
					t.Fatalf("read %d bytes, not the %d sent", len(raw), len(data))
				}
				if &raw[0] != first {
					t.Error("the message was read into a new buffer, not the pooled one")
				}
				if cap(raw) != capacity {
					t.Errorf("the buffer left for the pool has capacity %d, want the pooled %d", cap(raw), capacity)
				}
				// The source's copy is let go once each read returns.
				if b.Held() != int64(capacity) || budget.Used() != int64(capacity) {
					t.Errorf("holds %d bytes of budget (%d used) for a buffer of %d", b.Held(), budget.Used(), capacity)
				}
			})
		}
	}
}

// TestSlowBodyHoldsWhatItReserved: a body that has sent one byte of the
// 32 MiB it declares takes a buffer of the size its first step needs and
// holds no more memory than it reserved, even when the pool holds buffers
// of 4 MiB a larger body left. It took whatever buffer the pool had and
// reserved a 64 KiB step of it.
func TestSlowBodyHoldsWhatItReserved(t *testing.T) {
	for range 16 { // sync.Pool drops some under the race detector
		putBuf(getBuf(maxPooled))
	}
	budget := pipeline.NewBudget(512<<20, time.Second)
	in := New(Config{MaxRequestBytes: 32 << 20, MaxDecompressedBytes: 256 << 20}, budget)
	src := &slowReader{t: t, budget: budget}
	req := httptest.NewRequest(http.MethodPost, "/", src)
	req.ContentLength = 32 << 20
	if _, err := in.Read(httptest.NewRecorder(), req); err == nil {
		t.Fatal("a broken body was read whole")
	}
	if src.capacity == 0 {
		t.Fatal("the body was not read a second time")
	}
	if want := bufCap(readStep); src.capacity > want {
		t.Errorf("one byte in, the body holds a buffer of %d bytes, want at most %d", src.capacity, want)
	}
	if budget.Used() != 0 {
		t.Fatalf("budget leaked %d bytes", budget.Used())
	}
}

// slowReader sends one byte, then, asked for more, records the capacity
// of the buffer the body reads into, checks the budget covers it, and
// fails as a sender that went away.
type slowReader struct {
	t        *testing.T
	budget   *pipeline.Budget
	sent     bool
	capacity int
}

func (r *slowReader) Read(p []byte) (int, error) {
	if !r.sent {
		r.sent = true
		p[0] = 1
		return 1, nil
	}
	r.capacity = 1 + cap(p)
	if u := r.budget.Used(); u < int64(r.capacity) {
		r.t.Errorf("the body holds a buffer of %d bytes and reserved %d", r.capacity, u)
	}
	return 0, errors.New("sender went away")
}

package ingress

import (
	"bytes"
	"context"
	"io"
	"testing"
	"time"

	"github.com/greptime-bridge/greptime-bridge/pipeline"
)

// stepReader hands out data as a gRPC message does (grpc_stream.go
// message.Read): exactly what each read asks for, recording the largest.
type stepReader struct {
	data    []byte
	largest int
}

func (r *stepReader) Read(p []byte) (int, error) {
	if len(r.data) == 0 {
		return 0, io.EOF
	}
	r.largest = max(r.largest, len(p))
	n := copy(p, r.data)
	r.data = r.data[n:]
	return n, nil
}

// TestReadUsesWholePooledBuffer reads a 600 KB message into a body whose
// pooled buffer is large enough: it must be read into that buffer, still
// a step at a time under the budget, and go back to the pool whole. The
// buffer was used for the first step only, and every OTLP/gRPC message
// was read into new buffers grown a quarter at a time (issue #12).
func TestReadUsesWholePooledBuffer(t *testing.T) {
	const size = 600_000
	budget := pipeline.NewBudget(64<<20, time.Second)
	in := New(Config{MaxRequestBytes: 32 << 20, MaxDecompressedBytes: 32 << 20}, budget)
	pooled := make([]byte, 0, size+100_000)
	first, capacity := &pooled[:1][0], cap(pooled)
	b := &Body{in: in, ctx: context.Background(), raw: new([]byte)}
	*b.raw = pooled
	data := bytes.Repeat([]byte("otlp"), size/4)
	src := &stepReader{data: data}
	if err := b.readRaw(src, size, reading{}); err != nil {
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
	// Steps grow by a quarter of what is held (room): never more than
	// that is asked of the stream ahead of the reservation.
	if want := size/4 + 1; src.largest > want {
		t.Errorf("largest read asked for %d bytes, want at most %d", src.largest, want)
	}
	if b.Held() < int64(len(raw)) || b.Held() > int64(size+1) {
		t.Errorf("holds %d bytes of budget for %d bytes read", b.Held(), len(raw))
	}
}

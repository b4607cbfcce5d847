package writer

import (
	"bytes"
	"testing"

	gpb "github.com/GreptimeTeam/greptime-proto/go/greptime/v1"

	"github.com/greptime-bridge/greptime-bridge/writer/table"
)

// poisonedPool hands out buffers whose every byte, up to the capacity, is
// 0xAA: what a pool that does not zero may hold from an earlier request.
type poisonedPool struct{ gets int }

func (p *poisonedPool) Get(n int) *[]byte {
	p.gets++
	b := make([]byte, n, n+n/3+7)
	for i := range b[:cap(b)] {
		b[:cap(b)][i] = 0xAA
	}
	return &b
}

func (*poisonedPool) Put(*[]byte) {}

// zeroedPool hands out fresh buffers, as the garbage collector does.
type zeroedPool struct{}

func (zeroedPool) Get(n int) *[]byte { b := make([]byte, n); return &b }
func (zeroedPool) Put(*[]byte)       {}

// TestEncodeIntoPoisonedBuffers: the request pool does not zero what it
// hands out, so the encoder must write every byte of the request, and of
// a large body built in pooled buffers (grow). Encoded into buffers full
// of garbage, and with an encoder whose own body is garbage too, each
// flush must come out exactly as a fresh encode and, but for the large
// one, as protobuf-go's marshalling of the reference (checkEncoding).
func TestEncodeIntoPoisonedBuffers(t *testing.T) {
	h := &gpb.RequestHeader{Dbname: "public", TracingContext: map[string]string{"traceparent": "00-1-2-01"}}
	part := benchBatch(10_000)
	for name, batches := range map[string][]*table.Batch{
		"prom":  promFlush(100, 20),
		"small": promFlush(2, 3),
		"nulls": {benchBatch(1000), benchBatch(1)},
		"large": {part, part, part}, // 5.8 MB: the body outgrows maxPooledBody
	} {
		t.Run(name, func(t *testing.T) {
			poison := &poisonedPool{}
			garbage := bytes.Repeat([]byte{0xAA}, maxPooledBody)
			e := &rowEncoder{pool: poison, body: garbage[:0]}
			if name != "large" { // the reference builder takes seconds on it under -race
				checkEncoding(t, e, h, batches)
			}
			fresh, err := (&rowEncoder{pool: zeroedPool{}}).encode(h, batches)
			if err != nil {
				t.Fatal(err)
			}
			defer fresh.release()
			got, err := e.encode(h, batches)
			if err != nil {
				t.Fatal(err)
			}
			defer got.release()
			if poison.gets == 0 {
				t.Fatal("no buffer was taken from the poisoned pool")
			}
			if !bytes.Equal(got.buf.ReadOnlyData(), fresh.buf.ReadOnlyData()) {
				t.Fatalf("encoded into poisoned buffers: %d bytes differ from a fresh encode's %d", got.buf.Len(), fresh.buf.Len())
			}
		})
	}
}

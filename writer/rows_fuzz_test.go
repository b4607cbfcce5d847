package writer

import (
	"bytes"
	"io"
	"testing"

	gpb "github.com/GreptimeTeam/greptime-proto/go/greptime/v1"
	"google.golang.org/grpc/encoding"
	"google.golang.org/protobuf/proto"
)

// FuzzValidateRowInsert feeds arbitrary RowInsertRequests (decoded from
// bytes) to the raw-insert check: it must refuse or accept, never panic,
// and what it accepts must have rows as wide as the schema.
func FuzzValidateRowInsert(f *testing.F) {
	seed, _ := convertBatch(benchBatch(3), &rowArena{})
	raw, _ := proto.Marshal(seed)
	f.Add(raw)
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, data []byte) {
		var ins gpb.RowInsertRequest
		if proto.Unmarshal(data, &ins) != nil {
			return
		}
		if validateRowInsert(&ins) != nil {
			return
		}
		for _, r := range ins.GetRows().GetRows() {
			if len(r.GetValues()) != len(ins.GetRows().GetSchema()) {
				t.Fatal("accepted a row whose width differs from the schema")
			}
		}
	})
}

// FuzzZstdDecompress checks the pooled zstd decoder never panics on
// arbitrary input and stays usable afterwards.
func FuzzZstdDecompress(f *testing.F) {
	comp := encoding.GetCompressor("zstd")
	var buf bytes.Buffer
	w, _ := comp.Compress(&buf)
	_, _ = w.Write([]byte("greptime greptime greptime"))
	_ = w.Close()
	f.Add(buf.Bytes())
	f.Add([]byte("not zstd"))
	f.Fuzz(func(t *testing.T, data []byte) {
		if r, err := comp.Decompress(bytes.NewReader(data)); err == nil {
			_, _ = io.Copy(io.Discard, io.LimitReader(r, 1<<20))
		}
	})
}

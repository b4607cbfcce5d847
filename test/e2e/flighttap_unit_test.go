package e2e

import (
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/flight"
	"github.com/apache/arrow-go/v18/arrow/ipc"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// captureStream keeps copies of the headers a flight.Writer sends (it
// reuses its buffers between messages).
type captureStream struct{ headers [][]byte }

func (c *captureStream) Send(fd *flight.FlightData) error {
	c.headers = append(c.headers, append([]byte(nil), fd.DataHeader...))
	return nil
}

// TestRecordBatchRows checks the tap's reading of Arrow IPC headers
// against messages arrow-go itself writes.
func TestRecordBatchRows(t *testing.T) {
	schema := arrow.NewSchema([]arrow.Field{{Name: "v", Type: arrow.PrimitiveTypes.Float64}}, nil)
	var cs captureStream
	w := flight.NewRecordWriter(&cs, ipc.WithSchema(schema))
	for _, n := range []int{1, 1000, 4321} {
		b := array.NewRecordBuilder(memory.DefaultAllocator, schema)
		for i := range n {
			b.Field(0).(*array.Float64Builder).Append(float64(i))
		}
		rec := b.NewRecordBatch()
		if err := w.Write(rec); err != nil {
			t.Fatal(err)
		}
		rec.Release()
		b.Release()
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	var got []int
	for _, h := range cs.headers {
		if n, ok := recordBatchRows(h); ok {
			got = append(got, n)
		}
	}
	if len(got) != 3 || got[0] != 1 || got[1] != 1000 || got[2] != 4321 {
		t.Fatalf("record batch rows %v, want [1 1000 4321] (schema message not counted)", got)
	}
	// Truncated or garbage headers are not batches and do not panic.
	h := cs.headers[1]
	for i := range len(h) {
		_, _ = recordBatchRows(h[:i])
	}
	if _, ok := recordBatchRows([]byte{0xff, 0xff, 0xff, 0x7f}); ok {
		t.Error("garbage read as a record batch")
	}
}

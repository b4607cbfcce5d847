package writer

import (
	"context"
	"io"
	"time"

	"github.com/apache/arrow-go/v18/arrow/flight"
)

// ackGate sits between the Flight record writer and the stream. The first
// message is the schema: it goes out with app_metadata {"request_id":0}, as
// the Rust ingester sends it, and the gate then waits for the server's id-0
// acknowledgement before letting the first batch through (Rust bulk.rs
// submit_record_batch). An ended stream turns into io.EOF so the caller
// reads the real error from the response side.
type ackGate struct {
	w     *BulkStreamWriter
	inner flight.DataStreamWriter
	ctx   context.Context // of the write in progress; guarded by sendMu
	sent  bool
}

// Send implements flight.DataStreamWriter.
func (g *ackGate) Send(fd *flight.FlightData) error {
	if g.sent {
		return g.inner.Send(fd)
	}
	g.sent = true
	meta := fd.AppMetadata
	fd.AppMetadata = schemaAppMetadata
	err := g.inner.Send(fd)
	fd.AppMetadata = meta
	if err != nil {
		return err
	}
	t := time.NewTimer(g.w.opts.timeout)
	defer t.Stop()
	select {
	case <-g.w.ack:
		return nil
	case <-g.w.recvDone:
		return io.EOF
	case <-g.ctx.Done():
		return g.ctx.Err()
	case <-t.C:
		return &TimeoutError{Table: g.w.table, IDs: []int64{0}}
	}
}

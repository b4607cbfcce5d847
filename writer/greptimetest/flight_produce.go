package greptimetest

import (
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/flight"
	"google.golang.org/grpc/codes"
)

// putProducer is the task GreptimeDB spawns per DoPut stream
// (servers/src/grpc/greptime_handler.rs put_record_batches): it reads the
// stream, writes each batch and offers each result to the response
// channel with try_send.
type putProducer struct {
	f      *flightService
	stream flight.FlightService_DoPutServer
	db     dbKey
	out    chan<- putResult
	done   <-chan struct{} // closed when the response side is gone

	breakAfter int
	hasBreak   bool
}

// run reads and writes batches until the stream ends, fails, or the
// response side goes away. It closes out when it returns, which ends the
// response stream with OK unless an error made it into the channel.
func (p *putProducer) run() {
	defer close(p.out)
	ps, err := openPutStream(p.stream, p.f.mem)
	if err != nil {
		if !errors.Is(err, io.EOF) {
			p.offer(putResult{err: err})
		}
		return
	}
	defer ps.release()

	// The table is resolved on the first record batch, not on the schema
	// (frontend/src/instance/grpc.rs handle_put_record_batch_stream_inner).
	checked := false
	for n := 0; ; n++ {
		if p.hasBreak && n == p.breakAfter {
			// A broken connection is not a response: it is not dropped.
			select {
			case p.out <- putResult{broken: true}:
			case <-p.done:
			}
			return
		}
		rec, id, err := ps.next()
		if errors.Is(err, io.EOF) {
			return
		}
		if err != nil {
			p.offer(putResult{err: err})
			return
		}
		if !checked {
			if _, err := p.f.s.lookupTable(p.db, ps.table); err != nil {
				p.offer(putResult{err: err})
				return
			}
			// An injected fault on the table fails its first batch
			// (faults.go Fault.Table).
			if err := p.f.s.tableFault(true, ps.table); err != nil {
				p.offer(putResult{err: err})
				return
			}
			checked = true
		}
		start := time.Now()
		rows, err := p.f.safeWriteBatch(p.db, ps.table, rec)
		if err != nil {
			p.offer(putResult{err: err})
			return
		}
		if !p.offer(putResult{id: id, rows: rows, elapsed: time.Since(start).Seconds()}) {
			return
		}
	}
}

// offer is try_send: a full channel drops r; it reports false when the
// response side is gone (TrySendError::Closed), which stops the task.
func (p *putProducer) offer(r putResult) bool {
	select {
	case <-p.done:
		return false
	default:
	}
	select {
	case p.out <- r:
	default:
	}
	return true
}

// safeWriteBatch is writeBatch for a batch decoded from untrusted bytes:
// arrow-go builds arrays without checking their buffers, so a malformed
// body can make a value read panic. arrow-rs validates while decoding, so
// the real server refuses such a batch as undecodable (flight.rs
// poll_next "Failed to decode RecordBatch"); the test server does the same.
func (f *flightService) safeWriteBatch(db dbKey, name string, rec arrow.RecordBatch) (rows int, err error) {
	defer func() {
		if r := recover(); r != nil {
			rows = 0
			err = streamError(codes.InvalidArgument, fmt.Sprintf("Failed to decode RecordBatch: Invalid FlightData, reason: %v", r))
		}
	}()
	return f.writeBatch(db, name, rec)
}

package otlp

import (
	"context"
	"encoding/binary"
	"io"
	"testing"
	"testing/synctest"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/mem"
	"google.golang.org/grpc/status"

	"github.com/greptime-bridge/greptime-bridge/pipeline"
	"github.com/greptime-bridge/greptime-bridge/receivers/dbselect"
	"github.com/greptime-bridge/greptime-bridge/writer/errs"
)

// pacedStream is a client that sends a message of size bytes at rate
// bytes/s from start on, handed over as grpc-go's transport stream hands
// it: a read returns once all its bytes are in (transport.go Stream.read),
// or with the transport's Canceled status when the stream's context ends.
type pacedStream struct {
	ctx         context.Context
	start       time.Time
	size, rate  int
	sent        int
	headerTaken bool
}

func (s *pacedStream) ReadMessageHeader(h []byte) error {
	if s.headerTaken {
		return io.EOF // the client ended its side with its message
	}
	s.headerTaken = true
	copy(h, binary.BigEndian.AppendUint32([]byte{0}, uint32(s.size)))
	return nil
}

func (s *pacedStream) Read(n int) (mem.BufferSlice, error) {
	due := s.start.Add(time.Duration(float64(s.sent+n) / float64(s.rate) * float64(time.Second)))
	t := time.NewTimer(time.Until(due))
	defer t.Stop()
	select {
	case <-t.C:
	case <-s.ctx.Done():
		return nil, status.Error(codes.Canceled, "context canceled")
	}
	s.sent += n
	return mem.BufferSlice{mem.SliceBuffer(make([]byte, n))}, nil
}

// TestGRPCRateRuleCountsWholeReads: the transfer-rate rule lets through a
// sender that keeps a little above min_bytes_per_second after the grace,
// and cuts one a little below it, though each read of a message returns
// only once all its bytes are in. A deadline set from the bytes in hand
// before a read (an HTTP body's) would hold a gathered read of a quarter
// of them to it and cut the faster sender a megabyte in.
func TestGRPCRateRuleCountsWholeReads(t *testing.T) {
	const size, minRate = 4 << 20, 64 << 10
	for _, tc := range []struct {
		name string
		rate int
		cut  bool
	}{
		{"10% above the rate", minRate * 11 / 10, false},
		{"10% below the rate", minRate * 9 / 10, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				budget := pipeline.NewBudget(64<<20, time.Second)
				r := New(Config{
					MaxRequestBytes: 8 << 20, MaxDecompressedBytes: 8 << 20, RetryAfter: time.Second,
					BodyGrace: time.Second, MinBodyRate: minRate,
				}, &fuzzSink{}, budget, &dbselect.Selector{Default: "public"}, nil, nil, nil)
				ctx, cancel := context.WithCancelCause(context.Background())
				defer cancel(nil)
				ctx = context.WithValue(ctx, receiveCancel{}, context.CancelCauseFunc(cancel))
				start := time.Now()
				b, _, err := r.readMessage(ctx, &pacedStream{ctx: ctx, start: start, size: size, rate: tc.rate})
				took := time.Since(start)
				if tc.cut {
					if c, _ := errs.Classify(err); c != errs.Canceled {
						t.Fatalf("a sender below the rate: %v after %v, want a cut answered Canceled", err, took)
					}
				} else {
					if err != nil {
						t.Fatalf("a sender above the rate cut after %v: %v", took, err)
					}
					if got := len(b.Raw()); got != size {
						t.Errorf("%d bytes read, want %d", got, size)
					}
					b.Close()
				}
				if used := budget.Used(); used != 0 {
					t.Errorf("%d budget bytes held after the message", used)
				}
			})
		})
	}
}

package greptimetest

import (
	"context"
	"errors"
	"math"
	"strconv"
	"strings"
	"sync"

	"github.com/apache/arrow-go/v18/arrow/flight"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
)

// maxPendingResponses is the capacity of the channel between a DoPut
// stream's handler task and its response stream
// (servers/src/grpc/flight.rs do_put MAX_PENDING_RESPONSES). Responses that
// find it full are dropped, the final error included (§7.5).
const maxPendingResponses = 32

// flightService is the Arrow Flight service of a Server: DoPut (bulk
// inserts) and DoGet (queries, query_doget.go); GreptimeDB's other Flight
// methods are Unimplemented.
type flightService struct {
	flightUnimplemented
	s   *Server
	mem memory.Allocator
	// producers counts running stream readers, so tests can wait for them
	// before checking the allocator.
	producers sync.WaitGroup
	// sendGate, when set by a test, holds every batch response until it is
	// closed, so the response channel fills deterministically.
	sendGate <-chan struct{}
}

// registerFlightService registers DoPut on the server's current
// grpc.Server; Start and Restart call it.
func (s *Server) registerFlightService() {
	flight.RegisterFlightServiceServer(s.GRPCServer(), &flightService{s: s, mem: memory.DefaultAllocator})
}

// DoPut serves one bulk-insert stream as GreptimeDB's do_put does
// (servers/src/grpc/flight.rs): authenticate from metadata, acknowledge
// with request id 0, then hand the stream to a reader goroutine that
// answers each batch through a 32-slot channel with a non-blocking send
// (servers/src/grpc/greptime_handler.rs put_record_batches). This goroutine
// forwards the channel to the client; the first error ends the stream.
func (f *flightService) DoPut(stream flight.FlightService_DoPutServer) error {
	ctx := stream.Context()
	if err := f.s.beginCall(ctx, "DoPut"); err != nil {
		return err
	}
	md, _ := metadata.FromIncomingContext(ctx)
	db, err := f.s.metadataDB(md)
	if err != nil {
		return authStatus(ctx, err)
	}

	results := make(chan putResult, maxPendingResponses)
	// The ack goes through the channel too (tx.send(..).await), so it
	// holds a slot until it is sent.
	results <- putResult{ack: true}
	done := make(chan struct{})
	exited := make(chan struct{})
	brk, hasBreak := f.s.takeStreamBreak()
	p := &putProducer{
		f: f, stream: stream, db: db, out: results, done: done,
		breakAfter: brk, hasBreak: hasBreak,
	}
	f.producers.Add(1)
	go func() {
		defer f.producers.Done()
		defer close(exited)
		p.run()
	}()
	defer func() {
		close(done)
		<-exited
	}()

	for r := range results {
		switch {
		case r.err != nil:
			return toStatus(ctx, r.err)
		case r.broken:
			return status.Error(codes.Unavailable, "greptimetest: stream broken by BreakStreamAfter")
		}
		if !r.ack {
			if err := f.holdResponse(ctx); err != nil {
				return err
			}
		}
		if err := stream.Send(&flight.PutResult{AppMetadata: r.appMetadata()}); err != nil {
			return err
		}
	}
	return nil
}

// holdResponse delays a batch response: by the injected latency, so a
// client that keeps more than 32 batches unanswered sees responses
// dropped, and, in tests, until sendGate opens.
func (f *flightService) holdResponse(ctx context.Context) error {
	if f.sendGate != nil {
		select {
		case <-f.sendGate:
		case <-ctx.Done():
			return status.FromContextError(ctx.Err()).Err()
		}
	}
	if err := sleepCtx(ctx, f.s.callLatency()); err != nil {
		return status.FromContextError(err).Err()
	}
	return nil
}

// authStatus turns a metadata auth failure into DoPut's status: a failed
// login is a bare Unauthenticated "auth failed" with no GreptimeDB trailer,
// while a missing or malformed header keeps its own code
// (servers/src/grpc/context_auth.rs check_auth).
func authStatus(ctx context.Context, err error) error {
	var ge *Error
	if errors.As(err, &ge) && ge.Code != StatusAuthHeaderNotFound && ge.Code != StatusInvalidAuthHeader {
		return status.Error(codes.Unauthenticated, "auth failed")
	}
	return toStatus(ctx, err)
}

// putResult is one item of a stream's response channel: the ack, a
// batch's response, the error that ends the stream, or an injected break.
type putResult struct {
	ack     bool
	id      int64
	rows    int
	elapsed float64
	err     error
	broken  bool
}

// appMetadata is the JSON of DoPutResponse as serde_json writes it, fields
// in declaration order (common/grpc/src/flight/do_put.rs).
func (r putResult) appMetadata() []byte {
	b := make([]byte, 0, 64)
	b = append(b, `{"request_id":`...)
	b = strconv.AppendInt(b, r.id, 10)
	b = append(b, `,"affected_rows":`...)
	b = strconv.AppendInt(b, int64(r.rows), 10)
	b = append(b, `,"elapsed_secs":`...)
	b = append(b, rustF64(r.elapsed)...)
	return append(b, '}')
}

// rustF64 formats a float as serde_json (ryu) does: plain decimal from
// 1e-5 up to 1e21, always with a fraction ("0.0", "0.25"), and otherwise
// an exponent without padding ("1.5e-7", never Go's "1.5e-07").
func rustF64(v float64) string {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return "null"
	}
	if a := math.Abs(v); a == 0 || (a >= 1e-5 && a < 1e21) {
		s := strconv.FormatFloat(v, 'f', -1, 64)
		if !strings.Contains(s, ".") {
			s += ".0"
		}
		return s
	}
	s := strconv.FormatFloat(v, 'e', -1, 64)
	mant, exp, _ := strings.Cut(s, "e")
	sign := ""
	if strings.HasPrefix(exp, "-") {
		sign = "-"
	}
	exp = strings.TrimLeft(exp, "+-0")
	return mant + "e" + sign + exp
}

package otlp

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"sync"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/encoding"
	"google.golang.org/grpc/mem"
	"google.golang.org/grpc/status"

	"github.com/greptime-bridge/greptime-bridge/receivers/internal/ingress"
	"github.com/greptime-bridge/greptime-bridge/writer/errs"
)

// An OTLP/gRPC message is read from its stream by the handler itself, as
// an HTTP body is: a little at a time, each read reserved in the memory
// budget before it is asked for, and held to the transfer-rate rule
// (ingress.ReadMessage). grpc-go's own reading (rpc_util.go recvMsg, what
// ServerStream.RecvMsg does) asks the stream for the whole declared
// length at once, which opens the stream's flow-control window to it
// (internal/transport/flowcontrol.go maybeAdjust), and gathers the whole
// message in its buffer pool before any handler could charge it; a bound
// on such reads would have to count messages, which senders that stall
// after the length prefix could hold for nothing. Read a piece at a time,
// a stream never has more in flight than its reservation (which counts a
// read twice while grpc-go gathers it in its buffers) plus its window
// (fixed at 64 KiB by GRPCServerOptions), and a stalled one holds only
// its first read.
//
// The OTLP Export methods are therefore registered as stream handlers
// (grpc_raw.go): grpc-go calls a stream handler before reading anything,
// and a unary call is, on the wire, a stream of one message each way.
// What grpc-go's reading would give besides the message is not given:
// stats handlers see no InPayload, and channelz counts each read as a
// message received (transport ServerStream.Read). The bound holds under
// grpc.Server.Serve, whose transport reads a stream only as asked; the
// ServeHTTP transport reads bodies eagerly, and the bridge does not use it.

// transportStream is what the handler reads a message from: grpc-go's
// server transport stream (internal/transport ServerStream, which
// grpc.ServerTransportStreamFromContext returns): ReadMessageHeader reads
// the 5-byte prefix, Read(n) the next n bytes of the stream, opening its
// window by what the prefix and n ask for (transport.go Stream.read).
type transportStream interface {
	ReadMessageHeader(header []byte) error
	Read(n int) (mem.BufferSlice, error)
}

// errNoTransportStream is the answer when grpc-go offers no stream to read
// from: a grpc-go whose transport stream lost those methods (the tests
// pin the version this module uses).
var errNoTransportStream = status.Error(codes.Internal, "OTLP receiver cannot read messages from this grpc-go's streams")

// errReceiveSlow cancels a stream whose message arrives slower than the
// transfer-rate rule allows.
var errReceiveSlow = errors.New("message arrived too slowly")

// receiveCancel is the tap's handle on a stream's context (grpc_tap.go).
type receiveCancel struct{}

// message is one OTLP/gRPC message being read from its stream.
type message struct {
	ts       transportStream
	ctx      context.Context
	size     int              // the message's length
	left     int              // bytes of it not read yet
	encoding ingress.Encoding // how the message is compressed
}

// statusError is a failure grpc-go's own reading answers with a code of
// its own (rpc_util.go recvMsg and checkRecvPayload, stream.go
// serverStream.RecvMsg): malformed framing is Internal, not a bad request
// to classify, and a stream the client ended is answered as it ended.
type statusError struct {
	code codes.Code
	err  error
}

func (e *statusError) Error() string { return e.err.Error() }
func (e *statusError) Unwrap() error { return e.err }

func internalError(text string) error {
	return &statusError{code: codes.Internal, err: errors.New(text)}
}

// openMessage reads a message's length prefix (gRPC over HTTP/2,
// "Length-Prefixed-Message": a Compressed-Flag byte, then the length as 4
// bytes big-endian) and refuses what grpc-go's own reading refuses, with
// its status codes (rpc_util.go recvMsg, checkRecvPayload): a length over
// the limit (ResourceExhausted), a compressed message on a stream without
// an encoding, or an unknown flag (Internal); a stream that ends before a
// message (Internal, stream.go serverStream.RecvMsg). The stream's
// grpc-encoding is one grpc-go has a compressor for (it answers
// Unimplemented otherwise before the handler runs, server.go processRPC);
// the handler decompresses gzip and zstd through ingress.
func openMessage(ctx context.Context, ts transportStream, limit int64) (*message, error) {
	var prefix [5]byte
	if err := ts.ReadMessageHeader(prefix[:]); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, internalError("cardinality violation: received no request message from non-client-streaming RPC")
		}
		return nil, readError(ctx, err)
	}
	// Compared before it becomes an int, which may be 32 bits.
	if n := int64(binary.BigEndian.Uint32(prefix[1:])); n > limit {
		return nil, fmt.Errorf("%w: a message of %d bytes, limit %d", ingress.ErrTooLarge, n, limit)
	}
	n := int(binary.BigEndian.Uint32(prefix[1:]))
	m := &message{ts: ts, ctx: ctx, size: n, left: n}
	switch prefix[0] {
	case 0:
	case 1:
		switch name := recvCompress(ctx); name {
		case "", encoding.Identity:
			return nil, internalError("grpc: compressed flag set with identity or empty encoding")
		case "gzip":
			m.encoding = ingress.Gzip
		case "zstd":
			m.encoding = ingress.Zstd
		default:
			return nil, &statusError{code: codes.Unimplemented, err: fmt.Errorf("grpc-encoding %q is not accepted: send gzip, zstd or none", name)}
		}
	default:
		return nil, internalError(fmt.Sprintf("grpc: received unexpected payload format %d", prefix[0]))
	}
	return m, nil
}

// Read reads the message's next bytes into p, asking the stream for no
// more than p holds (io.Reader).
func (m *message) Read(p []byte) (int, error) {
	if m.left == 0 {
		return 0, io.EOF
	}
	if len(p) == 0 {
		return 0, nil
	}
	n := min(len(p), m.left)
	bs, err := m.ts.Read(n)
	if err != nil {
		return 0, readError(m.ctx, err)
	}
	bs.CopyTo(p)
	bs.Free()
	m.left -= n
	return n, nil
}

// end waits for the client's side of the stream to end after its message:
// Export is unary, and grpc-go answers a second message with Internal
// (stream.go serverStream.RecvMsg, "cardinality violation") rather than
// writing the first. A unary client ends its side with its message, so
// this costs it nothing; the rate rule's deadline still holds meanwhile.
func (m *message) end() error {
	var prefix [5]byte
	err := m.ts.ReadMessageHeader(prefix[:])
	switch {
	case errors.Is(err, io.EOF):
		return nil
	case err == nil:
		return internalError("cardinality violation: received multiple request messages for non-client-streaming RPC")
	}
	return readError(m.ctx, err)
}

// readError is a failed read's error: the rate rule's cut reads as a
// passed deadline (os.ErrDeadlineExceeded, as an HTTP body's does), so
// ingress answers it as a slow body; a stream that ends inside a message
// is Internal, as grpc-go answers it (rpc_util.go toRPCErr); and a stream
// the client cancelled, or whose grpc-timeout passed, keeps the status
// the transport gave it (Canceled, DeadlineExceeded).
func readError(ctx context.Context, err error) error {
	if errors.Is(context.Cause(ctx), errReceiveSlow) {
		return fmt.Errorf("%w: %w", os.ErrDeadlineExceeded, err)
	}
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return &statusError{code: codes.Internal, err: io.ErrUnexpectedEOF}
	}
	if st, ok := status.FromError(err); ok {
		return &statusError{code: st.Code(), err: err}
	}
	return err
}

// cutter is the transfer-rate rule's deadline on one stream: at the
// deadline it cancels the stream's context (the tap made it cancellable),
// which ends the read waiting on it (transport.go recvBufferReader). Once
// the message is in hand, stop makes sure it is never cut.
type cutter struct {
	mu     sync.Mutex
	cancel context.CancelCauseFunc
	timer  *time.Timer
	done   bool
}

// set moves the deadline to t; the zero time lifts it.
func (c *cutter) set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.done || c.cancel == nil {
		return
	}
	if t.IsZero() {
		if c.timer != nil {
			c.timer.Stop()
		}
		return
	}
	if c.timer == nil {
		c.timer = time.AfterFunc(time.Until(t), c.cut)
		return
	}
	c.timer.Reset(time.Until(t))
}

func (c *cutter) cut() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.done {
		c.cancel(errReceiveSlow)
	}
}

// stop lifts the deadline for good.
func (c *cutter) stop() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.done = true
	if c.timer != nil {
		c.timer.Stop()
	}
}

// readMessage reads the one message of an Export call into a Body charged
// to the budget, holding the sender to the transfer-rate rule: its n-th
// byte must arrive BodyGrace + n/MinBodyRate after reading began, the
// prefix within BodyGrace. With no rate, the message must arrive whole
// within BodyGrace (an HTTP body without a rate still has the server's
// read timeout; a gRPC stream has nothing else). BodyGrace 0 turns the
// rule off.
func (r *Receiver) readMessage(ctx context.Context, ts transportStream) (*ingress.Body, ingress.Encoding, error) {
	c := &cutter{}
	if r.cfg.BodyGrace > 0 {
		c.cancel, _ = ctx.Value(receiveCancel{}).(context.CancelCauseFunc)
	}
	start := time.Now()
	c.set(start.Add(r.cfg.BodyGrace))
	m, err := openMessage(ctx, ts, r.cfg.MaxRequestBytes)
	var b *ingress.Body
	if err == nil {
		// ingress moves the deadline read by read when there is a rate,
		// and leaves it at the last read's for the wait for the stream's
		// end; without one, the grace set above holds to the end.
		b, err = r.ingress.ReadMessage(ctx, m, int64(m.size), r.cfg.MaxRequestBytes, start, c.set)
	}
	if err == nil {
		if err = m.end(); err != nil {
			b.Close()
			b = nil
		}
	}
	// A cut that fires after the last read but before stop cancels a
	// message in hand: it is answered Canceled below or, if err is nil,
	// fails when the pipeline sees the context, and is retried either way.
	c.stop()
	if err != nil && errors.Is(context.Cause(ctx), errReceiveSlow) {
		// Answered Canceled, as an OTLP sender retries it: the message
		// was not refused, it did not arrive in time.
		got := 0
		if m != nil {
			got = m.size - m.left
		}
		err = errs.Mark(fmt.Errorf("OTLP message cut: %d bytes in hand when the transfer-rate rule's deadline passed (%v grace, then %d bytes/s)",
			got, r.cfg.BodyGrace, r.cfg.MinBodyRate), errs.Canceled)
	}
	if err != nil {
		return nil, 0, err
	}
	return b, m.encoding, nil
}

// streamHandler answers one OTLP Export call of signal: it reads the
// message itself (readMessage), writes it and sends the ExportResponse.
func (r *Receiver) streamHandler(signal string) grpc.StreamHandler {
	return func(_ any, ss grpc.ServerStream) error {
		ctx := ss.Context()
		defer tapRelease(ctx)()
		ts, ok := grpc.ServerTransportStreamFromContext(ctx).(transportStream)
		if !ok {
			return errNoTransportStream
		}
		resp, err := r.export(ctx, signal, ts)
		if err != nil {
			return err
		}
		return ss.SendMsg(resp)
	}
}

// recvCompress returns the stream's grpc-encoding. grpc-go keeps it out of
// the incoming metadata (internal/transport/http2_server.go
// operateHeaders) and exposes it on the transport stream it puts in the
// handler's context (server.go processRPC,
// grpc.ServerTransportStreamFromContext).
func recvCompress(ctx context.Context) string {
	if s, ok := grpc.ServerTransportStreamFromContext(ctx).(interface{ RecvCompress() string }); ok {
		return s.RecvCompress()
	}
	return ""
}

package otlp

import (
	"context"
	"fmt"
	"sync"

	"google.golang.org/grpc"
	"google.golang.org/grpc/tap"

	"github.com/greptime-bridge/greptime-bridge/receivers/internal/inflight"
)

// tapSlot keys, in the context of an RPC whose in-flight slot the tap
// took, the function that gives it back.
type tapSlot struct{}

// GRPCServerOptions returns the options the OTLP services need and that
// bound OTLP/gRPC requests before their messages are charged to the
// budget: fixed stream windows, and a tap (grpc.InTapHandle) that takes the request's
// in-flight slot when its headers arrive, so at most MaxInflight streams
// are open across all connections, and makes the stream's context one the
// receiver can cancel (the transfer-rate rule, grpc_stream.go). A request finding every slot taken is
// refused at once with Unavailable and RetryInfo, not made to wait: a tap
// runs on the connection's reader and must not block (grpc/tap). The slot
// is returned when the stream's context ends, which gRPC does for every
// stream however it finishes.
//
// A server takes one tap handle (grpc-go panics on a second), so taps that
// must run first, such as authentication (auth.Authenticator.GRPCTap),
// are passed as before: a request they refuse takes no slot.
func (r *Receiver) GRPCServerOptions(before ...tap.ServerInHandle) []grpc.ServerOption {
	opts := []grpc.ServerOption{
		// A fixed stream window bounds what a stream holds beyond what its
		// handler asked for to 64 KiB (grpc-go's dynamic window grows to
		// 16 MiB per stream, internal/transport/bdp_estimator.go
		// bdpLimit); each read the handler makes opens the window by what
		// it asks for, which it has reserved (flowcontrol.go maybeAdjust,
		// grpc_stream.go). The connection's window
		// stays at what the dynamic one reaches, so throughput is not
		// limited: grpc-go returns connection credit as data arrives, not
		// as it is read, so that window bounds no memory.
		grpc.StaticStreamWindowSize(streamWindow),
		grpc.StaticConnWindowSize(connWindow),
	}
	if len(before) == 0 {
		return append(opts, grpc.InTapHandle(r.tap))
	}
	return append(opts, grpc.InTapHandle(func(ctx context.Context, info *tap.Info) (context.Context, error) {
		for _, h := range before {
			var err error
			if ctx, err = h(ctx, info); err != nil {
				return ctx, err
			}
		}
		return r.tap(ctx, info)
	}))
}

// The flow-control windows (see GRPCServerOptions): HTTP/2's initial
// window, the least grpc-go takes, and grpc-go's bdpLimit.
const (
	streamWindow = 64 << 10
	connWindow   = 16 << 20
)

func (r *Receiver) tap(ctx context.Context, _ *tap.Info) (context.Context, error) {
	if !r.inflight.TryAcquire() {
		err := fmt.Errorf("cannot take OTLP request: %w", inflight.ErrBusy)
		return ctx, GRPCStatus(err, r.cfg.RetryAfter).Err()
	}
	// The slot goes back when the handler returns, before gRPC sends the
	// answer, so a sender's next request finds it; or, for a stream no
	// handler finishes, when its context ends (a goroutine of its own,
	// after the answer).
	release := sync.OnceFunc(r.inflight.Release)
	context.AfterFunc(ctx, release)
	// The stream's context becomes this one (grpc-go
	// internal/transport/http2_server.go operateHeaders), and reads of the
	// message end when it is cancelled: receive cuts a slow message so.
	ctx, cancel := context.WithCancelCause(ctx)
	ctx = context.WithValue(ctx, receiveCancel{}, cancel)
	return context.WithValue(ctx, tapSlot{}, release), nil
}

// tapRelease returns the function giving back the slot the tap took for
// the stream of ctx, or a no-op.
func tapRelease(ctx context.Context) func() {
	if release, ok := ctx.Value(tapSlot{}).(func()); ok {
		return release
	}
	return func() {}
}

// acquireSlot takes an in-flight slot for a gRPC request unless the tap
// took one for it; the returned function gives it back.
func (r *Receiver) acquireSlot(ctx context.Context) (func(), error) {
	if _, held := ctx.Value(tapSlot{}).(func()); held {
		return func() {}, nil
	}
	if err := r.inflight.Acquire(ctx); err != nil {
		return nil, err
	}
	return r.inflight.Release, nil
}

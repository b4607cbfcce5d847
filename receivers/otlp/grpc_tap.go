package otlp

import (
	"context"
	"fmt"

	"google.golang.org/grpc"
	"google.golang.org/grpc/tap"

	"github.com/greptime-bridge/greptime-bridge/receivers/internal/inflight"
)

// tapSlot marks a context whose RPC took its in-flight slot in the tap.
type tapSlot struct{}

// GRPCServerOptions returns the options that bound OTLP/gRPC requests
// before gRPC reads their messages: a tap (grpc.InTapHandle) takes the
// request's in-flight slot when its headers arrive, so at most
// MaxInflight messages of up to the server's message-size limit are read
// at once across all connections (without it, only the concurrent streams
// of each connection bounded them). A request finding every slot taken is
// refused at once with Unavailable and RetryInfo, not made to wait: a tap
// runs on the connection's reader and must not block (grpc/tap). The slot
// is returned when the stream's context ends, which gRPC does for every
// stream however it finishes.
//
// A server takes one tap handle (grpc-go panics on a second), so taps that
// must run first, such as authentication (auth.Authenticator.GRPCTap),
// are passed as before: a request they refuse takes no slot.
func (r *Receiver) GRPCServerOptions(before ...tap.ServerInHandle) []grpc.ServerOption {
	if len(before) == 0 {
		return []grpc.ServerOption{grpc.InTapHandle(r.tap)}
	}
	return []grpc.ServerOption{grpc.InTapHandle(func(ctx context.Context, info *tap.Info) (context.Context, error) {
		for _, h := range before {
			var err error
			if ctx, err = h(ctx, info); err != nil {
				return ctx, err
			}
		}
		return r.tap(ctx, info)
	})}
}

func (r *Receiver) tap(ctx context.Context, _ *tap.Info) (context.Context, error) {
	if !r.inflight.TryAcquire() {
		err := fmt.Errorf("cannot take OTLP request: %w", inflight.ErrBusy)
		return ctx, GRPCStatus(err, r.cfg.RetryAfter).Err()
	}
	context.AfterFunc(ctx, r.inflight.Release)
	return context.WithValue(ctx, tapSlot{}, true), nil
}

// acquireSlot takes an in-flight slot for a gRPC request unless the tap
// took one for it; the returned function gives it back.
func (r *Receiver) acquireSlot(ctx context.Context) (func(), error) {
	if held, _ := ctx.Value(tapSlot{}).(bool); held {
		return func() {}, nil
	}
	if err := r.inflight.Acquire(ctx); err != nil {
		return nil, err
	}
	return r.inflight.Release, nil
}

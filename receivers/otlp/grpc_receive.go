package otlp

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"google.golang.org/grpc"

	"github.com/greptime-bridge/greptime-bridge/pipeline"
)

// gRPC reads a message whole once a handler asks for it: grpc-go opens the
// stream's flow-control window to the message's declared length
// (internal/transport/flowcontrol.go maybeAdjust) and collects it in its
// buffer pool, then the server codec copies it (grpc_codec.go). Until then
// a stream holds at most its window (fixed by GRPCServerOptions). Those
// bytes are not in the memory budget, which can only be charged once the
// message is in hand (ingress.Message), so how many messages are read at
// once is bounded instead: at most receiveSlots(…) of them, each holding
// up to the message-size limit (the copy the handler makes is charged).

// minReceiveSlots keeps a few messages arriving at once even with a small
// budget, so a few senders trickling messages cannot stop the rest for long
// (each is cut after the grace, see receive).
const minReceiveSlots = 4

// receiveShare is the part of the memory budget the messages being read
// may occupy beside it: a quarter.
const receiveShare = 4

// receiveSlots returns how many gRPC messages may be read at once: a
// quarter of the budget in messages of the largest size, at least
// minReceiveSlots; 0 (unbounded) without a budget. Defaults: 512 MiB / 4 /
// 32 MiB = 4, which hold 128 MiB beside the budget at worst.
func receiveSlots(budget *pipeline.Budget, maxMessage int64) int {
	if budget == nil {
		return 0
	}
	return int(max(minReceiveSlots, budget.Limit()/receiveShare/maxMessage))
}

// errReceiveSlow cancels a stream whose message did not arrive within the
// grace once reading began.
var errReceiveSlow = errors.New("message arrived too slowly")

// receiveCancel is the tap's handle on a stream's context (tapCancel).
type receiveCancel struct{}

// receive reads one message into in, holding a receive slot while gRPC
// reads it; the returned function gives the slot back (once charged to the
// budget, the message no longer needs it) and may be called again. A
// message not in hand BodyGrace after reading began has its stream
// cancelled (the tap made the stream's context cancellable), which
// answers it Canceled: gRPC has no transfer-rate rule of its own, and an
// exporter sends a message at once (the Collector's exporters give up on a
// call after 5 s by default).
func (r *Receiver) receive(ctx context.Context, signal string, dec func(any) error, in *rawMessage) (func(), error) {
	release := func() {}
	if r.receiving != nil {
		wait := time.NewTimer(r.cfg.BudgetWait)
		select {
		case r.receiving <- struct{}{}:
			wait.Stop()
		case <-wait.C:
			err := fmt.Errorf("cannot read OTLP %s message: %d messages are being read: %w", signal, cap(r.receiving), pipeline.ErrOverBudget)
			return nil, GRPCStatus(err, r.cfg.RetryAfter).Err()
		case <-ctx.Done():
			wait.Stop()
			return nil, ctx.Err()
		}
		var once sync.Once
		release = func() { once.Do(func() { <-r.receiving }) }
	}
	if cancel, ok := ctx.Value(receiveCancel{}).(context.CancelCauseFunc); ok && r.cfg.BodyGrace > 0 {
		t := time.AfterFunc(r.cfg.BodyGrace, func() { cancel(errReceiveSlow) })
		defer t.Stop()
	}
	if err := dec(in); err != nil {
		// grpc-go has answered the stream itself by now (stream.go
		// serverStream.RecvMsg writes the status of a failed read): a cut
		// message gets Canceled, which OTLP senders retry.
		release()
		return nil, err
	}
	return release, nil
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

package otlp

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.opentelemetry.io/collector/pdata/ptrace"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	"github.com/greptime-bridge/greptime-bridge/receivers/auth"
	"github.com/greptime-bridge/greptime-bridge/writer/errs"
)

func mdGetter(ctx context.Context) func(string) string {
	md, _ := metadata.FromIncomingContext(ctx)
	return func(k string) string {
		if v := md.Get(k); len(v) > 0 {
			return v[0]
		}
		return ""
	}
}

// tracesRequest is a protobuf traces request: decoded for translation, and
// kept as received for the disk queue's source (requeue.go), so it is
// never encoded again.
type tracesRequest struct {
	raw []byte
	td  ptrace.Traces
}

// decodeTraces decodes a protobuf traces request.
func decodeTraces(body []byte) (tracesRequest, error) {
	td, err := (&ptrace.ProtoUnmarshaler{}).UnmarshalTraces(body)
	return tracesRequest{raw: body, td: td}, err
}

// grpcProcess authenticates, resolves options, reads, decompresses and
// decodes one message from ts and writes it.
func (r *Receiver) grpcProcess(ctx context.Context, signal string, ts transportStream) (int64, string, error) {
	start := time.Now()
	get := mdGetter(ctx)
	rejected, text, err := func() (int64, string, error) {
		principal, err := r.auth.Authenticate(get("authorization"))
		if err != nil {
			return 0, "", err
		}
		opts, err := r.options(signal, get, "")
		if err != nil {
			return 0, "", err
		}
		ctx := auth.NewContext(ctx, principal)
		if err := r.auth.AuthorizeDatabase(ctx, opts.Database); err != nil {
			return 0, "", err
		}
		release, err := r.acquireSlot(ctx)
		if err != nil {
			return 0, "", fmt.Errorf("cannot take OTLP %s request: %w", signal, err)
		}
		defer release()
		// The message is read into budget-charged buffers as it arrives
		// (readMessage), then decompressed through ingress as HTTP bodies
		// are (charged as the output grows, stopped at the message-size
		// limit), then the decoded request's expected peak is reserved
		// before decoding.
		b, enc, err := r.readMessage(ctx, ts)
		if err != nil {
			return 0, "", fmt.Errorf("cannot take OTLP %s message: %w", signal, err)
		}
		defer b.Close()
		size := b.Size()
		body, err := b.Decode(enc)
		if err == nil {
			err = b.Reserve(int64(b.Size()) + decodeFactor*int64(len(body)))
		}
		if err != nil {
			return 0, "", fmt.Errorf("cannot read OTLP %s message of %d bytes: %w", signal, size, err)
		}
		var payload any
		switch signal {
		case sigMetrics:
			payload = rawMetrics(body)
		case sigLogs:
			payload = rawLogs(body)
		default:
			if payload, err = decodeTraces(body); err != nil {
				return 0, "", errs.NewPermanent(fmt.Errorf("cannot decode OTLP traces request of %d bytes: %w", len(body), err))
			}
		}
		return r.process(ctx, signal, payload, &opts, b.Size(), b.Reserve)
	}()
	code := "OK"
	if err != nil {
		st := GRPCStatus(err, r.cfg.RetryAfter)
		if se := (*statusError)(nil); errors.As(err, &se) {
			st = status.New(se.code, err.Error())
		}
		code = st.Code().String()
		r.metrics.observe(signal, "grpc", code, time.Since(start))
		return 0, "", st.Err()
	}
	r.metrics.observe(signal, "grpc", code, time.Since(start))
	return rejected, text, nil
}

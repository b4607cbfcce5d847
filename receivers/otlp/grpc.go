package otlp

import (
	"context"
	"fmt"
	"time"

	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/collector/pdata/ptrace/ptraceotlp"
	"google.golang.org/grpc"
	"google.golang.org/grpc/metadata"

	"github.com/greptime-bridge/greptime-bridge/receivers/auth"
)

// RegisterGRPC registers the three OTLP services on s: metrics and logs
// receive their requests as bytes (grpc_raw.go), traces through pdata.
func (r *Receiver) RegisterGRPC(s *grpc.Server) {
	r.registerRawGRPC(s)
	ptraceotlp.RegisterGRPCServer(s, &tracesServer{r: r})
}

func mdGetter(ctx context.Context) func(string) string {
	md, _ := metadata.FromIncomingContext(ctx)
	return func(k string) string {
		if v := md.Get(k); len(v) > 0 {
			return v[0]
		}
		return ""
	}
}

// grpcProcess authenticates, resolves options and writes one payload.
func (r *Receiver) grpcProcess(ctx context.Context, signal string, payload any, size int) (int64, string, error) {
	start := time.Now()
	get := mdGetter(ctx)
	rejected, msg, err := func() (int64, string, error) {
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
		// gRPC has read the message (bounded by the server's maximum
		// message size; metrics and logs arrive as bytes, not decoded).
		// Reserve for its translation before translating, as HTTP does
		// before decompressing, and true it up once translated.
		var reserved int64
		if r.budget != nil {
			want := min(int64(size)+decodeFactor*int64(size), r.budget.Largest())
			if err := r.budget.Acquire(ctx, want, r.cfg.BudgetWait); err != nil {
				return 0, "", fmt.Errorf("cannot take OTLP %s request: %w", signal, err)
			}
			reserved = want
			defer func() { r.budget.Release(reserved) }()
		}
		return r.process(ctx, signal, payload, &opts, size, func(want int64) error {
			if r.budget == nil {
				return nil
			}
			return r.budget.Resize(ctx, &reserved, want, r.cfg.BudgetWait)
		})
	}()
	code := "OK"
	if err != nil {
		st := GRPCStatus(err, r.cfg.RetryAfter)
		code = st.Code().String()
		r.metrics.observe(signal, "grpc", code, time.Since(start))
		return 0, "", st.Err()
	}
	r.metrics.observe(signal, "grpc", code, time.Since(start))
	return rejected, msg, nil
}

type tracesServer struct {
	ptraceotlp.UnimplementedGRPCServer
	r *Receiver
}

// Export implements the OTLP traces service.
func (s *tracesServer) Export(ctx context.Context, req ptraceotlp.ExportRequest) (ptraceotlp.ExportResponse, error) {
	// pdata decoded the message; its encoded size stands in for the wire
	// size the metrics and logs services see, so traces reserve budget
	// before translation like them (they reserved nothing while it was 0).
	td := req.Traces()
	rejected, msg, err := s.r.grpcProcess(ctx, sigTraces, td, (&ptrace.ProtoMarshaler{}).TracesSize(td))
	resp := ptraceotlp.NewExportResponse()
	if err != nil {
		return resp, err
	}
	if rejected > 0 {
		resp.PartialSuccess().SetRejectedSpans(rejected)
		resp.PartialSuccess().SetErrorMessage(msg)
	}
	return resp, nil
}

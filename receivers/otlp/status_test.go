package otlp

import (
	"context"
	"errors"
	"net/http"
	"testing"
	"time"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"

	"github.com/greptime-bridge/greptime-bridge/receivers/auth"
	"github.com/greptime-bridge/greptime-bridge/receivers/internal/ingress"
	"github.com/greptime-bridge/greptime-bridge/writer"
	"github.com/greptime-bridge/greptime-bridge/writer/errs"
)

func TestStatusesFromTheOneClassification(t *testing.T) {
	const def = 3 * time.Second
	for _, c := range []struct {
		name  string
		err   error
		http  int
		grpc  codes.Code
		retry time.Duration // RetryInfo and Retry-After; 0 for none
	}{
		{"bad data", errs.NewPermanent(errors.New("bad")), http.StatusBadRequest, codes.InvalidArgument, 0},
		{"too large", ingress.ErrTooLarge, http.StatusRequestEntityTooLarge, codes.ResourceExhausted, 0},
		{"no credentials", auth.ErrUnauthenticated, http.StatusUnauthorized, codes.Unauthenticated, 0},
		{"greptimedb denies", &writer.ServerError{Code: codes.PermissionDenied}, http.StatusForbidden, codes.PermissionDenied, 0},
		{"greptimedb down", &writer.ServerError{Code: codes.Unavailable}, http.StatusServiceUnavailable, codes.Unavailable, def},
		{"throttled", errs.NewThrottle(errors.New("slow"), time.Second), http.StatusServiceUnavailable, codes.Unavailable, time.Second},
		{"closed writer", writer.ErrClosed, http.StatusServiceUnavailable, codes.Unavailable, def},
		{"canceled", context.Canceled, http.StatusServiceUnavailable, codes.Canceled, 0},
	} {
		code, after := HTTPStatus(c.err, def)
		wantAfter := c.retry
		if c.grpc == codes.Canceled {
			wantAfter = def
		}
		if code != c.http || after != wantAfter {
			t.Errorf("%s: HTTP %d, Retry-After %v; want %d, %v", c.name, code, after, c.http, wantAfter)
		}
		st := GRPCStatus(c.err, def)
		if st.Code() != c.grpc {
			t.Errorf("%s: gRPC %s, want %s", c.name, st.Code(), c.grpc)
		}
		var info time.Duration
		for _, d := range st.Details() {
			if ri, ok := d.(*errdetails.RetryInfo); ok {
				info = ri.GetRetryDelay().AsDuration()
			}
		}
		if c.grpc != codes.Canceled && info != c.retry {
			t.Errorf("%s: RetryInfo %v, want %v", c.name, info, c.retry)
		}
	}
}

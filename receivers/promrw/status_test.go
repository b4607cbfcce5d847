package promrw

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"testing"
	"time"

	"google.golang.org/grpc/codes"

	"github.com/greptime-bridge/greptime-bridge/pipeline"
	"github.com/greptime-bridge/greptime-bridge/receivers/auth"
	"github.com/greptime-bridge/greptime-bridge/receivers/internal/ingress"
	"github.com/greptime-bridge/greptime-bridge/writer"
	"github.com/greptime-bridge/greptime-bridge/writer/errs"
)

func TestStatusFromTheOneClassification(t *testing.T) {
	const def = 5 * time.Second
	for _, c := range []struct {
		name  string
		err   error
		code  int
		after time.Duration
	}{
		{"ok", nil, http.StatusNoContent, 0},
		{"bad data", errs.NewPermanent(errors.New("bad label")), http.StatusBadRequest, 0},
		{"invalid input", fmt.Errorf("x: %w", &writer.InvalidInputError{Reason: "r"}), http.StatusBadRequest, 0},
		{"unknown database", &writer.ServerError{Code: codes.NotFound, Status: writer.StatusDatabaseNotFound, HasStatus: true}, http.StatusBadRequest, 0},
		{"too large", ingress.ErrTooLarge, http.StatusRequestEntityTooLarge, 0},
		{"body too slow", ingress.ErrTooSlow, http.StatusBadRequest, 0},
		{"larger than the budget", pipeline.ErrLargerThanBudget, http.StatusRequestEntityTooLarge, 0},
		{"no credentials", auth.ErrUnauthenticated, http.StatusUnauthorized, 0},
		{"greptimedb denies", &writer.ServerError{Code: codes.PermissionDenied}, http.StatusForbidden, 0},
		{"greptimedb down", &writer.ServerError{Code: codes.Unavailable}, http.StatusServiceUnavailable, def},
		{"throttled", errs.NewThrottle(errors.New("slow"), 2*time.Second), http.StatusServiceUnavailable, 2 * time.Second},
		{"internal error not to retry", &writer.ServerError{Code: codes.Internal, Status: writer.StatusInternal, HasStatus: true, RetryHint: "non_retryable"}, http.StatusServiceUnavailable, def},
		{"shutting down", pipeline.ErrShuttingDown, http.StatusServiceUnavailable, def},
		{"closed writer", writer.ErrClosed, http.StatusServiceUnavailable, def},
		{"timed out", context.DeadlineExceeded, http.StatusServiceUnavailable, def},
		{"unclassified", errors.New("boom"), http.StatusServiceUnavailable, def},
	} {
		code, after := Status(c.err, def)
		if code != c.code || after != c.after {
			t.Errorf("%s: %d, Retry-After %v; want %d, %v", c.name, code, after, c.code, c.after)
		}
		if code == http.StatusTooManyRequests {
			t.Errorf("%s: 429 (Prometheus drops data on 429)", c.name)
		}
	}
}

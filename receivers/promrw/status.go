package promrw

import (
	"context"
	"errors"
	"net/http"
	"time"

	"google.golang.org/grpc/codes"

	"github.com/greptime-bridge/greptime-bridge/pipeline"
	"github.com/greptime-bridge/greptime-bridge/receivers/auth"
	"github.com/greptime-bridge/greptime-bridge/translate/prom"
	"github.com/greptime-bridge/greptime-bridge/writer"
	"github.com/greptime-bridge/greptime-bridge/writer/errs"
)

// Status maps an error to the remote-write answer: 400 for data that will
// never be written, 413 for bodies over a limit, 401/403 for credentials,
// and 503 with a Retry-After for everything that may succeed later.
// Prometheus drops data on 429 (retry_on_http_429 defaults to false), so
// overload is never answered 429.
func Status(err error, defaultRetry time.Duration) (code int, retryAfter time.Duration) {
	switch {
	case err == nil:
		return http.StatusNoContent, 0
	case errors.Is(err, auth.ErrUnauthenticated):
		return http.StatusUnauthorized, 0
	case errors.Is(err, prom.ErrTooLarge), errors.Is(err, errTooLarge), errors.Is(err, pipeline.ErrLargerThanBudget):
		return http.StatusRequestEntityTooLarge, 0
	case errors.Is(err, writer.ErrInvalidInput):
		return http.StatusBadRequest, 0
	}
	var se *writer.ServerError
	if errors.As(err, &se) && !se.Retryable() {
		switch se.Code {
		case codes.Unauthenticated:
			return http.StatusUnauthorized, 0
		case codes.PermissionDenied:
			return http.StatusForbidden, 0
		case codes.InvalidArgument, codes.AlreadyExists, codes.NotFound, codes.Unimplemented, codes.FailedPrecondition:
			// NotFound is DatabaseNotFound: the request names a database
			// that does not exist.
			return http.StatusBadRequest, 0
		}
	}
	if errs.IsPermanent(err) {
		return http.StatusBadRequest, 0
	}
	if d, ok := errs.RetryDelay(err); ok && d > 0 {
		return http.StatusServiceUnavailable, d
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return http.StatusServiceUnavailable, defaultRetry
	}
	return http.StatusServiceUnavailable, defaultRetry
}

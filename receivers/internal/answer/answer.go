// Package answer turns the one error classification (errs.Classify) into
// what each protocol answers. It is the bridge's own, not an API.
package answer

import (
	"errors"
	"log/slog"
	"net/http"
	"time"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/durationpb"

	"github.com/greptime-bridge/greptime-bridge/writer"
	"github.com/greptime-bridge/greptime-bridge/writer/errs"
)

// HTTP maps a failure to an HTTP status and, for 503, its Retry-After:
// 400 for data that will never be written, 413 over a size limit, 401/403
// for credentials, and 503 for everything that may succeed later. Never
// 429: Prometheus drops data on 429 (retry_on_http_429 defaults to false),
// and OTLP/HTTP clients retry 503 as well (OTLP spec: 429, 502, 503, 504).
func HTTP(err error, defaultRetry time.Duration) (int, time.Duration) {
	c, d := errs.Classify(err)
	switch c {
	case errs.BadData:
		return http.StatusBadRequest, 0
	case errs.TooLarge:
		return http.StatusRequestEntityTooLarge, 0
	case errs.Unauthenticated:
		return http.StatusUnauthorized, 0
	case errs.Forbidden:
		return http.StatusForbidden, 0
	}
	if d <= 0 {
		d = defaultRetry
	}
	return http.StatusServiceUnavailable, d
}

// GRPC maps a failure to a gRPC status: InvalidArgument for bad data,
// ResourceExhausted without RetryInfo (so clients do not retry) over a
// size limit, Unauthenticated/PermissionDenied for credentials, Canceled
// for the caller's own cancellation, and Unavailable with RetryInfo for
// everything that may succeed later.
func GRPC(err error, defaultRetry time.Duration) *status.Status {
	c, d := errs.Classify(err)
	switch c {
	case errs.Canceled:
		return status.New(codes.Canceled, err.Error())
	case errs.BadData:
		return status.New(codes.InvalidArgument, err.Error())
	case errs.TooLarge:
		return status.New(codes.ResourceExhausted, err.Error())
	case errs.Unauthenticated:
		return status.New(codes.Unauthenticated, err.Error())
	case errs.Forbidden:
		return status.New(codes.PermissionDenied, err.Error())
	}
	if d <= 0 {
		d = defaultRetry
	}
	st := status.New(codes.Unavailable, err.Error())
	if withInfo, derr := st.WithDetails(&errdetails.RetryInfo{RetryDelay: durationpb.New(d)}); derr == nil {
		return withInfo
	}
	return st
}

// Redact hides what a sender must not see in a write's failure: a
// transport failure's text names GreptimeDB's address ("dial tcp
// 10.0.0.7:4001: connect: connection refused"), so it is replaced by a
// plain sentence. The cause stays in the chain, so the class (and the
// answer) is unchanged and the bridge's own log can still show it.
// Failures GreptimeDB itself answered keep their text: they name the
// sender's tables and columns, which is what the sender needs.
func Redact(err error) error {
	var se *writer.ServerError
	if err == nil || !errors.As(err, &se) || se.HasStatus {
		return err
	}
	switch se.Code {
	case codes.Unavailable, codes.DeadlineExceeded, codes.Canceled, codes.Unknown, codes.Internal:
		return &redacted{cause: err}
	}
	return err
}

type redacted struct{ cause error }

func (r *redacted) Error() string {
	return "GreptimeDB could not be reached or did not answer in time; try again later"
}

func (r *redacted) Unwrap() error { return r.cause }

// LogValue keeps the cause in the bridge's own logs, which operators read.
func (r *redacted) LogValue() slog.Value { return slog.StringValue(r.cause.Error()) }

// Package answer turns the one error classification (errs.Classify) into
// what each protocol answers. It is the bridge's own, not an API.
package answer

import (
	"net/http"
	"time"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/durationpb"

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

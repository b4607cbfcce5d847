package otlp

import (
	"errors"
	"net/http"
	"time"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/durationpb"

	"github.com/greptime-bridge/greptime-bridge/writer/errs"
)

var errTooLarge = errs.Mark(errors.New("request body exceeds the size limit"), errs.TooLarge)

// HTTPStatus maps an error to an OTLP/HTTP status (spec: 400 for bad data,
// 413 over the size limit, 503 + Retry-After to throttle; only 429, 502,
// 503 and 504 are retried by clients).
func HTTPStatus(err error, defaultRetry time.Duration) (int, time.Duration) {
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

// GRPCStatus maps an error to an OTLP/gRPC status: InvalidArgument for bad
// data, ResourceExhausted without RetryInfo (not retried) over the size
// limit, Unavailable with RetryInfo to throttle.
func GRPCStatus(err error, defaultRetry time.Duration) *status.Status {
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

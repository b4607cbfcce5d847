package otlp

import (
	"context"
	"errors"
	"net/http"
	"time"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/durationpb"

	"github.com/greptime-bridge/greptime-bridge/pipeline"
	"github.com/greptime-bridge/greptime-bridge/receivers/auth"
	"github.com/greptime-bridge/greptime-bridge/writer"
	"github.com/greptime-bridge/greptime-bridge/writer/errs"
)

var errTooLarge = errors.New("request body exceeds the size limit")

// class is the one classification both front ends map from.
type class int

const (
	classBadData class = iota
	classTooLarge
	classUnauthenticated
	classForbidden
	classRetry
)

func classify(err error) (class, time.Duration) {
	switch {
	case errors.Is(err, auth.ErrUnauthenticated):
		return classUnauthenticated, 0
	case errors.Is(err, errTooLarge), errors.Is(err, pipeline.ErrLargerThanBudget):
		return classTooLarge, 0
	case errors.Is(err, writer.ErrInvalidInput):
		return classBadData, 0
	}
	var se *writer.ServerError
	if errors.As(err, &se) && !se.Retryable() {
		switch se.Code {
		case codes.Unauthenticated:
			return classUnauthenticated, 0
		case codes.PermissionDenied:
			return classForbidden, 0
		case codes.InvalidArgument, codes.AlreadyExists, codes.NotFound, codes.Unimplemented, codes.FailedPrecondition:
			return classBadData, 0
		}
	}
	if errs.IsPermanent(err) {
		return classBadData, 0
	}
	d, _ := errs.RetryDelay(err)
	return classRetry, d
}

// HTTPStatus maps an error to an OTLP/HTTP status (spec: 400 for bad data,
// 413 over the size limit, 503 + Retry-After to throttle; only 429, 502,
// 503 and 504 are retried by clients).
func HTTPStatus(err error, defaultRetry time.Duration) (int, time.Duration) {
	c, d := classify(err)
	switch c {
	case classBadData:
		return http.StatusBadRequest, 0
	case classTooLarge:
		return http.StatusRequestEntityTooLarge, 0
	case classUnauthenticated:
		return http.StatusUnauthorized, 0
	case classForbidden:
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
	if errors.Is(err, context.Canceled) {
		return status.New(codes.Canceled, err.Error())
	}
	c, d := classify(err)
	switch c {
	case classBadData:
		return status.New(codes.InvalidArgument, err.Error())
	case classTooLarge:
		return status.New(codes.ResourceExhausted, err.Error())
	case classUnauthenticated:
		return status.New(codes.Unauthenticated, err.Error())
	case classForbidden:
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

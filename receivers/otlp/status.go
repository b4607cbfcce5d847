package otlp

import (
	"time"

	"google.golang.org/grpc/status"

	"github.com/greptime-bridge/greptime-bridge/receivers/internal/answer"
)

// HTTPStatus maps an error to an OTLP/HTTP status (spec: 400 for bad data,
// 413 over the size limit, 503 + Retry-After to throttle; only 429, 502,
// 503 and 504 are retried by clients).
func HTTPStatus(err error, defaultRetry time.Duration) (int, time.Duration) {
	return answer.HTTP(err, defaultRetry)
}

// GRPCStatus maps an error to an OTLP/gRPC status: InvalidArgument for bad
// data, ResourceExhausted without RetryInfo (not retried) over the size
// limit, Unavailable with RetryInfo to throttle.
func GRPCStatus(err error, defaultRetry time.Duration) *status.Status {
	return answer.GRPC(err, defaultRetry)
}

package writer

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	"github.com/greptime-bridge/greptime-bridge/writer/errs"
)

// StatusCode is GreptimeDB's own status code, sent in the x-greptime-err-code
// trailer (common/error/src/status_code.rs).
type StatusCode uint32

// GreptimeDB status codes the writer and its users act on.
const (
	StatusSuccess                   StatusCode = 0
	StatusUnknown                   StatusCode = 1000
	StatusUnsupported               StatusCode = 1001
	StatusUnexpected                StatusCode = 1002
	StatusInternal                  StatusCode = 1003
	StatusInvalidArguments          StatusCode = 1004
	StatusCancelled                 StatusCode = 1005
	StatusIllegalState              StatusCode = 1006
	StatusExternal                  StatusCode = 1007
	StatusDeadlineExceeded          StatusCode = 1008
	StatusSuspended                 StatusCode = 1009
	StatusInvalidSyntax             StatusCode = 2000
	StatusPlanQuery                 StatusCode = 3000
	StatusEngineExecuteQuery        StatusCode = 3001
	StatusTableAlreadyExists        StatusCode = 4000
	StatusTableNotFound             StatusCode = 4001
	StatusTableColumnNotFound       StatusCode = 4002
	StatusTableColumnExists         StatusCode = 4003
	StatusDatabaseNotFound          StatusCode = 4004
	StatusRegionNotFound            StatusCode = 4005
	StatusRegionAlreadyExists       StatusCode = 4006
	StatusRegionReadonly            StatusCode = 4007
	StatusRegionNotReady            StatusCode = 4008
	StatusRegionBusy                StatusCode = 4009
	StatusTableUnavailable          StatusCode = 4010
	StatusDatabaseAlreadyExists     StatusCode = 4011
	StatusStorageUnavailable        StatusCode = 5000
	StatusRequestOutdated           StatusCode = 5001
	StatusRuntimeResourcesExhausted StatusCode = 6000
	StatusRateLimited               StatusCode = 6001
	StatusUserNotFound              StatusCode = 7000
	StatusUnsupportedPasswordType   StatusCode = 7001
	StatusUserPasswordMismatch      StatusCode = 7002
	StatusAuthHeaderNotFound        StatusCode = 7003
	StatusInvalidAuthHeader         StatusCode = 7004
	StatusAccessDenied              StatusCode = 7005
	StatusPermissionDenied          StatusCode = 7006
)

// Trailer keys GreptimeDB sets on every failed gRPC call
// (common/error/src/status_code.rs define_into_tonic_status!).
const (
	HeaderErrCode   = "x-greptime-err-code"
	HeaderRetryHint = "x-greptime-err-retry-hint"
)

// ServerError is a failure GreptimeDB (or the transport) answered with.
type ServerError struct {
	// Code is the gRPC status code.
	Code codes.Code
	// Message is the status message.
	Message string
	// Status is GreptimeDB's status code from the x-greptime-err-code
	// trailer; HasStatus is false when the trailer was absent.
	Status    StatusCode
	HasStatus bool
	// RetryHint is the x-greptime-err-retry-hint trailer: "retryable",
	// "non_retryable" or "" when absent.
	RetryHint string
}

// Error formats the gRPC code, GreptimeDB status code and message.
func (e *ServerError) Error() string {
	if e.HasStatus {
		return fmt.Sprintf("greptimedb: %s (status %d): %s", e.Code, e.Status, e.Message)
	}
	return fmt.Sprintf("greptimedb: %s: %s", e.Code, e.Message)
}

// Is makes errors.Is(err, ErrTimeout) and errors.Is(err,
// context.DeadlineExceeded) true for a call that ran out of time, whether
// the client's deadline passed (gRPC DeadlineExceeded) or GreptimeDB gave up
// (status 1008).
func (e *ServerError) Is(target error) bool {
	if target != ErrTimeout && target != context.DeadlineExceeded {
		return false
	}
	return e.Code == codes.DeadlineExceeded || (e.HasStatus && e.Status == StatusDeadlineExceeded)
}

// ErrorClass classifies the failure for errs.Classify: retryable codes
// and statuses (Retryable) are Retryable; GreptimeDB's rejections of the
// data or of the request's shape are BadData (DatabaseNotFound arrives as
// NotFound); a message over grpc-go's size limit is TooLarge; the
// caller's own cancellation is Canceled; any other failure GreptimeDB
// asked not to retry is Unavailable (GreptimeDB's own endpoints answer
// those with a 5xx, so the sender may try again later).
func (e *ServerError) ErrorClass() errs.Class {
	if e.Retryable() {
		return errs.Retryable
	}
	switch e.Code {
	case codes.Unauthenticated:
		return errs.Unauthenticated
	case codes.PermissionDenied:
		return errs.Forbidden
	case codes.InvalidArgument, codes.AlreadyExists, codes.NotFound, codes.Unimplemented, codes.FailedPrecondition:
		return errs.BadData
	case codes.ResourceExhausted:
		if strings.Contains(e.Message, "larger than max") {
			return errs.TooLarge
		}
	case codes.Canceled:
		if !e.HasStatus {
			return errs.Canceled
		}
	}
	return errs.Unavailable
}

// GRPCStatus lets status.FromError see the original code.
func (e *ServerError) GRPCStatus() *status.Status { return status.New(e.Code, e.Message) }

// Retryable reports whether retrying the same request may succeed.
func (e *ServerError) Retryable() bool {
	switch e.RetryHint {
	case "retryable":
		return true
	case "non_retryable":
		// The hint is authoritative only for codes that are not transient by
		// nature: GreptimeDB marks most errors non-retryable.
		if !e.HasStatus || !transientStatus(e.Status) {
			return false
		}
	}
	if e.HasStatus {
		return transientStatus(e.Status)
	}
	if e.Code == codes.ResourceExhausted && strings.Contains(e.Message, "larger than max") {
		// grpc-go's message size limit, on either side: the same request
		// can never fit; the batch has to be split.
		return false
	}
	// Canceled without GreptimeDB's trailer is the caller's own
	// cancellation (or a closed client): not worth a retry.
	switch e.Code {
	case codes.Unavailable, codes.ResourceExhausted, codes.DeadlineExceeded, codes.Aborted:
		return true
	}
	return false
}

// transientStatus lists the codes the Go ingester treats as retryable, plus
// rate limiting, suspension and server-side deadline.
func transientStatus(s StatusCode) bool {
	switch s {
	case StatusRegionNotReady, StatusRegionBusy, StatusTableUnavailable, StatusStorageUnavailable,
		StatusRuntimeResourcesExhausted, StatusRateLimited, StatusSuspended, StatusDeadlineExceeded,
		StatusCancelled:
		return true
	}
	return false
}

// NewServerError builds a ServerError from a gRPC call error and the call's
// trailer. It returns nil for a nil err and keeps context errors as they are.
func NewServerError(err error, trailer metadata.MD) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	var se *ServerError
	if errors.As(err, &se) {
		return err
	}
	st, ok := status.FromError(err)
	if !ok {
		return err
	}
	out := &ServerError{Code: st.Code(), Message: st.Message()}
	if v := trailer.Get(HeaderErrCode); len(v) > 0 {
		if n, perr := strconv.ParseUint(v[0], 10, 32); perr == nil {
			out.Status, out.HasStatus = StatusCode(n), true
		}
	}
	if v := trailer.Get(HeaderRetryHint); len(v) > 0 {
		out.RetryHint = v[0]
	}
	return out
}

// ErrInvalidInput is matched (errors.Is) by every client-side validation
// failure: nothing was sent.
var ErrInvalidInput = errors.New("invalid input")

// InvalidInputError says what in a batch or row made the writer refuse it
// before sending.
type InvalidInputError struct {
	Table  string
	Column string
	Reason string
}

// Error names the table and column and says what is wrong.
func (e *InvalidInputError) Error() string {
	switch {
	case e.Column != "":
		return fmt.Sprintf("invalid input for table %q, column %q: %s", e.Table, e.Column, e.Reason)
	case e.Table != "":
		return fmt.Sprintf("invalid input for table %q: %s", e.Table, e.Reason)
	}
	return "invalid input: " + e.Reason
}

// Is makes errors.Is(err, ErrInvalidInput) true.
func (e *InvalidInputError) Is(target error) bool { return target == ErrInvalidInput }

// ErrorClass makes client-side validation failures BadData: nothing was
// sent, and the same data would fail again.
func (e *InvalidInputError) ErrorClass() errs.Class { return errs.BadData }

// ErrTimeout is matched by TimeoutError.
var ErrTimeout = errors.New("request timeout")

// TimeoutError reports bulk requests that got no response in time.
type TimeoutError struct {
	Table string
	IDs   []int64
}

// Error lists the request ids that timed out.
func (e *TimeoutError) Error() string {
	return fmt.Sprintf("bulk write to table %q: no response for request ids %v within the timeout", e.Table, e.IDs)
}

// Is makes errors.Is(err, ErrTimeout) and context.DeadlineExceeded true.
func (e *TimeoutError) Is(target error) bool {
	return target == ErrTimeout || target == context.DeadlineExceeded
}

// ErrStreamEnded is matched by StreamEndedError.
var ErrStreamEnded = errors.New("bulk stream ended with requests pending")

// StreamEndedError reports a bulk stream that failed or ended while requests
// were pending. Pending ids were not acknowledged and must be treated as not
// written; Acked ids were.
type StreamEndedError struct {
	Table   string
	Pending []int64
	Acked   []int64
	// Cause is the stream's final error; nil when it ended OK with
	// responses missing (GreptimeDB drops responses past 32 pending).
	Cause error
}

// Error lists the pending ids and the stream's final error.
func (e *StreamEndedError) Error() string {
	msg := fmt.Sprintf("bulk stream for table %q ended with %d request(s) pending %v (%d acknowledged)", e.Table, len(e.Pending), e.Pending, len(e.Acked))
	if e.Cause != nil {
		msg += ": " + e.Cause.Error()
	}
	return msg
}

// Unwrap returns the stream's final error.
func (e *StreamEndedError) Unwrap() error { return e.Cause }

// Is makes errors.Is(err, ErrStreamEnded) true.
func (e *StreamEndedError) Is(target error) bool { return target == ErrStreamEnded }

// IsRetryable reports whether an error from the writer is worth retrying with
// the same data. It is errs.IsRetryable, the one classification: transport
// unavailability, throttling, timeouts and streams that ended with requests
// pending are; invalid input, permanent errors, the caller's cancellation
// and GreptimeDB's rejections are not.
func IsRetryable(err error) bool { return errs.IsRetryable(err) }

package greptimetest

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
)

// StatusCode is GreptimeDB's status code, sent in the x-greptime-err-code
// trailer (common/error/src/status_code.rs).
type StatusCode uint32

// The GreptimeDB status codes the server produces
// (common/error/src/status_code.rs enum StatusCode).
const (
	StatusSuccess                StatusCode = 0
	StatusUnknown                StatusCode = 1000
	StatusUnsupported            StatusCode = 1001
	StatusUnexpected             StatusCode = 1002
	StatusInternal               StatusCode = 1003
	StatusInvalidArguments       StatusCode = 1004
	StatusCancelled              StatusCode = 1005
	StatusIllegalState           StatusCode = 1006
	StatusExternal               StatusCode = 1007
	StatusDeadlineExceeded       StatusCode = 1008
	StatusSuspended              StatusCode = 1009
	StatusInvalidSyntax          StatusCode = 2000
	StatusPlanQuery              StatusCode = 3000
	StatusEngineExecuteQuery     StatusCode = 3001
	StatusTableAlreadyExists     StatusCode = 4000
	StatusTableNotFound          StatusCode = 4001
	StatusTableColumnNotFound    StatusCode = 4002
	StatusTableColumnExists      StatusCode = 4003
	StatusDatabaseNotFound       StatusCode = 4004
	StatusRegionNotFound         StatusCode = 4005
	StatusRegionAlreadyExists    StatusCode = 4006
	StatusRegionReadonly         StatusCode = 4007
	StatusRegionNotReady         StatusCode = 4008
	StatusRegionBusy             StatusCode = 4009
	StatusTableUnavailable       StatusCode = 4010
	StatusDatabaseAlreadyExists  StatusCode = 4011
	StatusStorageUnavailable     StatusCode = 5000
	StatusRequestOutdated        StatusCode = 5001
	StatusRuntimeResourcesExhaus StatusCode = 6000
	StatusRateLimited            StatusCode = 6001
	StatusUserNotFound           StatusCode = 7000
	StatusUnsupportedPassword    StatusCode = 7001
	StatusUserPasswordMismatch   StatusCode = 7002
	StatusAuthHeaderNotFound     StatusCode = 7003
	StatusInvalidAuthHeader      StatusCode = 7004
	StatusAccessDenied           StatusCode = 7005
	StatusPermissionDenied       StatusCode = 7006
)

// grpcCode maps a status code to its gRPC code, as status_to_tonic_code in
// common/error/src/status_code.rs does.
func (c StatusCode) grpcCode() codes.Code {
	switch c {
	case StatusSuccess:
		return codes.OK
	case StatusUnknown, StatusExternal:
		return codes.Unknown
	case StatusUnsupported:
		return codes.Unimplemented
	case StatusUnexpected, StatusInternal, StatusIllegalState, StatusPlanQuery, StatusEngineExecuteQuery:
		return codes.Internal
	case StatusInvalidArguments, StatusInvalidSyntax, StatusRequestOutdated:
		return codes.InvalidArgument
	case StatusCancelled:
		return codes.Canceled
	case StatusDeadlineExceeded:
		return codes.DeadlineExceeded
	case StatusTableAlreadyExists, StatusTableColumnExists, StatusRegionAlreadyExists, StatusDatabaseAlreadyExists:
		return codes.AlreadyExists
	case StatusTableNotFound, StatusTableColumnNotFound, StatusDatabaseNotFound, StatusRegionNotFound, StatusUserNotFound:
		return codes.NotFound
	case StatusRegionNotReady, StatusTableUnavailable, StatusStorageUnavailable:
		return codes.Unavailable
	case StatusRegionBusy, StatusRuntimeResourcesExhaus, StatusRateLimited, StatusSuspended:
		return codes.ResourceExhausted
	case StatusUnsupportedPassword, StatusUserPasswordMismatch, StatusAuthHeaderNotFound, StatusInvalidAuthHeader:
		return codes.Unauthenticated
	case StatusAccessDenied, StatusPermissionDenied, StatusRegionReadonly:
		return codes.PermissionDenied
	}
	return codes.Unknown
}

// Error is a GreptimeDB error as the server reports it: a status code, the
// message of the innermost error (ErrorExt::output_msg in
// common/error/src/ext.rs) and the retry hint.
type Error struct {
	Code      StatusCode
	Msg       string
	Retryable bool
}

// Error returns the message a client sees.
func (e *Error) Error() string { return e.outputMsg() }

// outputMsg masks Unknown and Internal as "Internal error: <code>", as
// ErrorExt::output_msg does (common/error/src/ext.rs); every other code keeps
// its message (§7.2: Unexpected 1002 stays visible).
func (e *Error) outputMsg() string {
	if e.Code == StatusUnknown || e.Code == StatusInternal {
		return fmt.Sprintf("Internal error: %d", uint32(e.Code))
	}
	return e.Msg
}

func newErr(code StatusCode, format string, args ...any) *Error {
	return &Error{Code: code, Msg: fmt.Sprintf(format, args...)}
}

// invalidInsert is operator's InvalidInsertRequest (operator/src/error.rs).
func invalidInsert(format string, args ...any) *Error {
	return newErr(StatusInvalidArguments, "Invalid InsertRequest, reason: "+format, args...)
}

// invalidSQL is operator's InvalidSql (operator/src/error.rs).
func invalidSQL(format string, args ...any) *Error {
	return newErr(StatusInvalidArguments, "Invalid SQL, error: "+format, args...)
}

// The trailer keys GreptimeDB sets on a failed call
// (common/error/src/lib.rs GREPTIME_DB_HEADER_ERROR_CODE / _RETRY_HINT).
const (
	headerErrCode      = "x-greptime-err-code"
	headerErrRetryHint = "x-greptime-err-retry-hint"
)

// toStatus turns err into the gRPC status GreptimeDB sends and sets the
// x-greptime-err-code and x-greptime-err-retry-hint trailers on ctx's call
// (define_into_tonic_status! in common/error/src/status_code.rs). A status
// error is passed through with no trailer, as tonic statuses built directly
// in the server are (e.g. Status::unimplemented in servers/src/grpc/database.rs);
// any other error becomes Unknown.
func toStatus(ctx context.Context, err error) error {
	if err == nil {
		return nil
	}
	var ge *Error
	if !errors.As(err, &ge) {
		if _, ok := status.FromError(err); ok {
			return err
		}
		ge = &Error{Code: StatusUnknown, Msg: err.Error()}
	}
	hint := "non_retryable"
	if ge.Retryable {
		hint = "retryable"
	}
	_ = grpc.SetTrailer(ctx, metadata.Pairs(
		headerErrCode, strconv.FormatUint(uint64(ge.Code), 10),
		headerErrRetryHint, hint,
	))
	return status.Error(ge.Code.grpcCode(), ge.outputMsg())
}

package writer

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	"github.com/greptime-bridge/greptime-bridge/writer/errs"
)

func TestNewServerErrorReadsTrailer(t *testing.T) {
	err := NewServerError(status.Error(codes.Unavailable, "region 42 not ready"),
		metadata.Pairs(HeaderErrCode, "4008", HeaderRetryHint, "retryable"))
	var se *ServerError
	if !errors.As(err, &se) || se.Code != codes.Unavailable || !se.HasStatus || se.Status != StatusRegionNotReady || se.RetryHint != "retryable" {
		t.Fatalf("got %#v", err)
	}
	if st, ok := status.FromError(fmt.Errorf("wrapped: %w", err)); !ok || st.Code() != codes.Unavailable {
		t.Errorf("gRPC status lost through wrapping: %v", st)
	}
	if NewServerError(nil, nil) != nil {
		t.Error("nil error became non-nil")
	}
	if err := NewServerError(context.Canceled, nil); !errors.Is(err, context.Canceled) {
		t.Errorf("context error rewritten: %v", err)
	}
	bad := NewServerError(status.Error(codes.Internal, "x"), metadata.Pairs(HeaderErrCode, "not-a-number"))
	if errors.As(bad, &se) && se.HasStatus {
		t.Error("garbage trailer parsed as a status")
	}
}

func TestIsRetryableAndClass(t *testing.T) {
	cases := []struct {
		name  string
		err   error
		class errs.Class
	}{
		{"transport unavailable", &ServerError{Code: codes.Unavailable}, errs.Retryable},
		{"region busy", &ServerError{Code: codes.ResourceExhausted, Status: StatusRegionBusy, HasStatus: true, RetryHint: "retryable"}, errs.Retryable},
		{"rate limited marked non-retryable", &ServerError{Code: codes.ResourceExhausted, Status: StatusRateLimited, HasStatus: true, RetryHint: "non_retryable"}, errs.Retryable},
		{"invalid arguments", &ServerError{Code: codes.InvalidArgument, Status: StatusInvalidArguments, HasStatus: true, RetryHint: "non_retryable"}, errs.BadData},
		{"table not found", &ServerError{Code: codes.NotFound, Status: StatusTableNotFound, HasStatus: true}, errs.BadData},
		{"auth", &ServerError{Code: codes.Unauthenticated, Status: StatusUserPasswordMismatch, HasStatus: true}, errs.Unauthenticated},
		{"access denied", &ServerError{Code: codes.PermissionDenied, Status: StatusAccessDenied, HasStatus: true}, errs.Forbidden},
		{"message too large", &ServerError{Code: codes.ResourceExhausted, Message: "grpc: trying to send message larger than max (5 vs. 4)"}, errs.TooLarge},
		{"internal, not to be retried", &ServerError{Code: codes.Internal, Status: StatusInternal, HasStatus: true, RetryHint: "non_retryable"}, errs.Unavailable},
		{"caller canceled", &ServerError{Code: codes.Canceled}, errs.Canceled},
		{"deadline", &ServerError{Code: codes.DeadlineExceeded}, errs.Retryable},
		{"invalid input", &InvalidInputError{Table: "t", Reason: "x"}, errs.BadData},
		{"permanent", errs.NewPermanent(&ServerError{Code: codes.Unavailable}), errs.BadData},
		{"permanent keeps a specific class", errs.NewPermanent(&ServerError{Code: codes.PermissionDenied}), errs.Forbidden},
		{"throttle", errs.NewThrottle(errors.New("slow"), time.Second), errs.Retryable},
		{"canceled", context.Canceled, errs.Canceled},
		{"closed client", fmt.Errorf("write: %w", ErrClosed), errs.Unavailable},
		{"bulk timeout", &TimeoutError{Table: "t", IDs: []int64{1}}, errs.Retryable},
		{"stream ended", &StreamEndedError{Table: "t", Pending: []int64{2}}, errs.Retryable},
		{"stream ended by a rejection", &StreamEndedError{Table: "t", Pending: []int64{2}, Cause: &ServerError{Code: codes.InvalidArgument}}, errs.BadData},
		// One polarity: an error nobody classified may succeed later.
		{"plain", errors.New("boom"), errs.Retryable},
	}
	for _, tc := range cases {
		if c, _ := errs.Classify(tc.err); c != tc.class {
			t.Errorf("%s: class %s, want %s", tc.name, c, tc.class)
		}
		if got, want := IsRetryable(tc.err), tc.class == errs.Retryable; got != want {
			t.Errorf("%s: IsRetryable = %v, want %v", tc.name, got, want)
		}
	}
	if IsRetryable(nil) {
		t.Error("nil is retryable")
	}
}

func TestServerErrorTimeoutMatching(t *testing.T) {
	for _, err := range []error{
		&ServerError{Code: codes.DeadlineExceeded},
		&ServerError{Code: codes.Unknown, Status: StatusDeadlineExceeded, HasStatus: true},
	} {
		if !errors.Is(err, ErrTimeout) || !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("%v does not match the timeout sentinels", err)
		}
	}
	if errors.Is(&ServerError{Code: codes.Unavailable}, ErrTimeout) {
		t.Error("unavailable matched ErrTimeout")
	}
}

func TestErrorMessagesNameTableAndColumn(t *testing.T) {
	e := &InvalidInputError{Table: "cpu", Column: "usage", Reason: "value out of range"}
	if got := e.Error(); got != `invalid input for table "cpu", column "usage": value out of range` {
		t.Errorf("message %q", got)
	}
	se := &ServerError{Code: codes.InvalidArgument, Status: StatusInvalidArguments, HasStatus: true, Message: "bad"}
	if got := se.Error(); got != "greptimedb: InvalidArgument (status 1004): bad" {
		t.Errorf("message %q", got)
	}
}

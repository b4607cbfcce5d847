package answer

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc/codes"

	"github.com/greptime-bridge/greptime-bridge/writer"
	"github.com/greptime-bridge/greptime-bridge/writer/errs"
)

func TestRedactHidesGreptimeDBsAddress(t *testing.T) {
	transport := fmt.Errorf("gave up after 5 attempts: %w", &writer.ServerError{
		Code:    codes.Unavailable,
		Message: `connection error: desc = "transport: Error while dialing: dial tcp 10.0.0.7:4001: connect: connection refused"`,
	})
	r := Redact(transport)
	if strings.Contains(r.Error(), "10.0.0.7") || strings.Contains(r.Error(), "4001") {
		t.Errorf("the answer names GreptimeDB's address: %s", r)
	}
	if code, after := HTTP(r, 5*time.Second); code != http.StatusServiceUnavailable || after != 5*time.Second {
		t.Errorf("redacting changed the answer: %d %v", code, after)
	}
	if st := GRPC(r, time.Second); st.Code() != codes.Unavailable || strings.Contains(st.Message(), "10.0.0.7") {
		t.Errorf("gRPC answer %s: %s", st.Code(), st.Message())
	}
	if c, _ := errs.Classify(r); c != errs.Retryable {
		t.Errorf("class %s, want retryable", c)
	}
	if v, ok := r.(slog.LogValuer); !ok || !strings.Contains(v.LogValue().String(), "10.0.0.7") {
		t.Error("the bridge's own log lost the cause")
	}
	// GreptimeDB's own answers keep their text: they name the sender's
	// tables and columns.
	rejected := &writer.ServerError{
		Code: codes.InvalidArgument, HasStatus: true, Status: writer.StatusInvalidArguments,
		Message: "column greptime_value expects Float64",
	}
	if got := Redact(rejected); !errors.Is(got, rejected) {
		t.Errorf("GreptimeDB's rejection was rewritten: %v", got)
	}
	if Redact(nil) != nil {
		t.Error("nil became an error")
	}
}

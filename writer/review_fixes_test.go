package writer

import (
	"testing"

	gpb "github.com/GreptimeTeam/greptime-proto/go/greptime/v1"
	"google.golang.org/grpc/codes"

	"github.com/greptime-bridge/greptime-bridge/writer/table"
)

func TestDecimalScaleKeptWithDefaultPrecision(t *testing.T) {
	c := &table.Column{Name: "price", Type: table.Decimal128, Scale: 2}
	ext := typeExtension(c).GetDecimalType()
	if ext.GetPrecision() != 38 || ext.GetScale() != 2 {
		t.Fatalf("decimal(0,2) sent as (%d,%d), want (38,2)", ext.GetPrecision(), ext.GetScale())
	}
	c.Scale = 0
	if ext := typeExtension(c).GetDecimalType(); ext.GetPrecision() != 38 || ext.GetScale() != 10 {
		t.Fatalf("decimal(0,0) sent as (%d,%d), want the default (38,10)", ext.GetPrecision(), ext.GetScale())
	}
}

func TestJSONColumnTakesOnlyText(t *testing.T) {
	if !variantMatches(gpb.ColumnDataType_JSON, &gpb.Value{ValueData: &gpb.Value_StringValue{StringValue: `{"a":1}`}}) {
		t.Fatal("JSON text refused")
	}
	if variantMatches(gpb.ColumnDataType_JSON, &gpb.Value{ValueData: &gpb.Value_BinaryValue{BinaryValue: []byte(`{}`)}}) {
		t.Fatal("binary value accepted for a JSON column: GreptimeDB answers it with Internal/1002 (§7.6)")
	}
}

func TestCanceledWithoutTrailerIsNotRetryable(t *testing.T) {
	if (&ServerError{Code: codes.Canceled}).Retryable() {
		t.Fatal("a caller's own cancellation classified retryable")
	}
	if !(&ServerError{Code: codes.Canceled, Status: StatusCancelled, HasStatus: true}).Retryable() {
		t.Fatal("GreptimeDB's Cancelled (1005) should stay retryable")
	}
}

func TestServerUnavailableDoesNotFailOverBulk(t *testing.T) {
	if bulkUnavailable(&ServerError{Code: codes.Unavailable, Status: StatusRegionNotReady, HasStatus: true}) {
		t.Fatal("GreptimeDB's RegionNotReady moved the client to another endpoint")
	}
	if !bulkUnavailable(&ServerError{Code: codes.Unavailable, Message: "connection refused"}) {
		t.Fatal("a transport failure did not fail over")
	}
}

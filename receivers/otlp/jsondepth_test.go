package otlp

import (
	"strings"
	"testing"

	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/plog/plogotlp"
)

func TestCheckJSONDepth(t *testing.T) {
	deep := func(n int) []byte {
		return []byte(strings.Repeat(`{"arrayValue":{"values":[`, n) + strings.Repeat("]}}", n))
	}
	if err := checkJSONDepth(deep(99), maxJSONDepth); err != nil {
		t.Errorf("99 nested arrayValues (297 levels) refused: %v", err)
	}
	if err := checkJSONDepth(deep(101), maxJSONDepth); err == nil {
		t.Error("101 nested arrayValues (303 levels) accepted")
	}
	// Brackets inside strings, escaped quotes included, do not count.
	s := []byte(`{"k":"` + strings.Repeat(`[{\"`, 1000) + `"}`)
	if err := checkJSONDepth(s, 3); err != nil {
		t.Errorf("brackets in a string counted: %v", err)
	}
	// Millions deep is refused at once, without recursion.
	if err := checkJSONDepth(deep(2_000_000), maxJSONDepth); err == nil {
		t.Error("a body nested millions deep accepted")
	}
}

// TestJSONDepthBeforeDecoding: an OTLP/JSON logs body nested past the limit
// is refused as bad data before pdata decodes it; one within it decodes.
func TestJSONDepthBeforeDecoding(t *testing.T) {
	ld := plog.NewLogs()
	v := ld.ResourceLogs().AppendEmpty().ScopeLogs().AppendEmpty().LogRecords().AppendEmpty().Attributes().PutEmptySlice("nested").AppendEmpty()
	for range 20 {
		v = v.SetEmptySlice().AppendEmpty()
	}
	v.SetStr("leaf")
	ok, err := plogotlp.NewExportRequestFromLogs(ld).MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := decodeHTTP(sigLogs, ok, true); err != nil {
		t.Fatalf("20 nested arrays refused: %v", err)
	}
	bad := []byte(`{"resourceLogs":[{"scopeLogs":[{"logRecords":[{"attributes":[{"key":"a","value":` +
		strings.Repeat(`{"arrayValue":{"values":[`, 500000) + strings.Repeat("]}}", 500000) + `}]}]}]}]}`)
	if _, err := decodeHTTP(sigLogs, bad, true); err == nil || !strings.Contains(err.Error(), "deeper") {
		t.Fatalf("got %v, want the depth refusal", err)
	}
}

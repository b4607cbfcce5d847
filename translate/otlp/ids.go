package otlp

import "go.opentelemetry.io/collector/pdata/pcommon"

// traceIDBytes returns the ID's bytes, or none for the empty ID: GreptimeDB
// hex-encodes the raw protobuf bytes, and an absent ID is empty there, so it
// prints as "" (otlp/utils.rs bytes_to_hex_string).
func traceIDBytes(id pcommon.TraceID) []byte {
	if id.IsEmpty() {
		return nil
	}
	return id[:]
}

// spanIDBytes is traceIDBytes for span IDs.
func spanIDBytes(id pcommon.SpanID) []byte {
	if id.IsEmpty() {
		return nil
	}
	return id[:]
}

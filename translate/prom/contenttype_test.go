package prom

import (
	"errors"
	"testing"
)

// GreptimeDB's content negotiation (prom_store.rs remote_write_proto and
// its tests).
func TestParseContentType(t *testing.T) {
	ok := map[string]Version{
		"":                       V1,
		"application/x-protobuf": V1,
		"application/x-protobuf;proto=prometheus.WriteRequest":                 V1,
		"application/x-protobuf;proto=io.prometheus.write.v2.Request":          V2,
		"application/x-protobuf; proto=\"io.prometheus.write.v2.Request\"":     V2,
		"APPLICATION/X-PROTOBUF;proto=io.prometheus.write.v2.Request":          V2,
		"application/x-protobuf; charset=utf-8; proto=prometheus.WriteRequest": V1,
	}
	for ct, want := range ok {
		got, err := ParseContentType(ct)
		if err != nil || got != want {
			t.Errorf("ParseContentType(%q) = %v, %v; want %v", ct, got, err, want)
		}
	}
	for _, ct := range []string{"application/json", "application/x-protobuf;proto=other.Message", "text/plain; proto=prometheus.WriteRequest", ";;"} {
		_, err := ParseContentType(ct)
		if !errors.Is(err, ErrUnsupportedMediaType) {
			t.Errorf("ParseContentType(%q) err = %v", ct, err)
		}
	}
}

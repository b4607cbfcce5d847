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

func TestParseContentEncoding(t *testing.T) {
	cases := []struct {
		ce   string
		v    Version
		want Encoding
		err  bool
	}{
		{"", V1, Snappy, false},
		{"snappy", V1, Snappy, false},
		{"zstd", V1, Zstd, false},
		{"gzip", V1, Snappy, false},
		{"ZSTD", V2, Zstd, false},
		{"snappy", V2, Snappy, false},
		{"", V2, "", true},
		{"gzip", V2, "", true},
	}
	for _, tc := range cases {
		got, err := ParseContentEncoding(tc.ce, tc.v)
		if (err != nil) != tc.err || got != tc.want {
			t.Errorf("ParseContentEncoding(%q, %v) = %q, %v", tc.ce, tc.v, got, err)
		}
		if tc.err && !errors.Is(err, ErrUnsupportedMediaType) {
			t.Errorf("error %v is not ErrUnsupportedMediaType", err)
		}
	}
}

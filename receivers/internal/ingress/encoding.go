package ingress

import (
	"errors"
	"fmt"
	"strings"
)

// Encoding is a request body's Content-Encoding.
type Encoding uint8

// The encodings a receiver may accept.
const (
	// Identity is an uncompressed body.
	Identity Encoding = iota
	// Snappy is snappy's block format, the one remote write uses (spec:
	// "the framed format MUST NOT be used").
	Snappy
	// Zstd is one or more zstd frames.
	Zstd
	// Gzip is one or more gzip members (RFC 1952).
	Gzip
	// Deflate is HTTP's "deflate": a zlib stream (RFC 9110 §8.4.1.2,
	// RFC 1950), which is also how the Collector's confighttp reads it.
	Deflate
)

// String returns the encoding's Content-Encoding token.
func (e Encoding) String() string {
	switch e {
	case Snappy:
		return "snappy"
	case Zstd:
		return "zstd"
	case Gzip:
		return "gzip"
	case Deflate:
		return "deflate"
	}
	return "identity"
}

// ErrUnsupportedEncoding reports a Content-Encoding a receiver does not
// take; receivers answer it 415 before reading the body.
var ErrUnsupportedEncoding = errors.New("unsupported content encoding")

// RemoteWriteEncoding reads a remote-write Content-Encoding. No header
// means snappy, as GreptimeDB reads it (servers/src/http/prom_store.rs);
// snappy is what the spec requires (1.0 and 2.0) and zstd is what vmagent
// sends by default. Anything else is refused: GreptimeDB would decode a
// 1.0 body as snappy anyway and answer 400 once that fails, but a clear
// 415 names the problem, and vmagent repacks to snappy after either.
// This is the one rule: the former prom.ParseContentEncoding, which read
// gzip (or any unknown token) as snappy, is gone.
func RemoteWriteEncoding(header string) (Encoding, error) {
	switch strings.ToLower(strings.TrimSpace(header)) {
	case "", "snappy":
		return Snappy, nil
	case "zstd":
		return Zstd, nil
	}
	return 0, fmt.Errorf("%w %q for remote write: only snappy and zstd are supported", ErrUnsupportedEncoding, header)
}

// OTLPEncoding reads an OTLP/HTTP Content-Encoding. The OTLP spec names
// gzip (OTLP/HTTP "Request"); the Collector's exporters also offer zstd
// and deflate (configcompression), which its confighttp server decodes,
// "deflate" as a zlib stream. Snappy and lz4, which confighttp also
// decodes, are left out: no OTLP sender defaults to them, and each
// decoder taken is one more way in for hostile bytes.
func OTLPEncoding(header string) (Encoding, error) {
	switch strings.ToLower(strings.TrimSpace(header)) {
	case "", "identity":
		return Identity, nil
	case "gzip", "x-gzip":
		return Gzip, nil
	case "zstd":
		return Zstd, nil
	case "deflate", "zlib":
		return Deflate, nil
	}
	return 0, fmt.Errorf("%w %q for OTLP: want gzip, zstd, deflate or none", ErrUnsupportedEncoding, header)
}

package prom

import (
	"bytes"
	"context"
	"testing"

	"github.com/klauspost/compress/s2"
	"github.com/klauspost/compress/zstd"

	"github.com/greptime-bridge/greptime-bridge/translate"
)

// The receivers decompress bodies (receivers/internal/ingress); the
// benchmarks and golden tests here start from bodies as senders send them,
// so they decompress first, as the receiver would, into a buffer they keep.

var (
	testDecoded []byte
	testZstd, _ = zstd.NewReader(nil, zstd.WithDecoderConcurrency(1))
)

// zstdMagic starts every zstd frame (RFC 8878 section 3.1.1).
var zstdMagic = []byte{0x28, 0xb5, 0x2f, 0xfd}

// decodeAndTranslate decompresses a snappy or zstd body and translates it.
// Not safe for concurrent use.
func decodeAndTranslate(ctx context.Context, body []byte, opts *Options, out *translate.Output) error {
	var err error
	if bytes.HasPrefix(body, zstdMagic) {
		testDecoded, err = testZstd.DecodeAll(body, testDecoded[:0])
	} else {
		var n int
		if n, err = s2.DecodedLen(body); err == nil {
			if cap(testDecoded) < n {
				testDecoded = make([]byte, n)
			}
			testDecoded, err = s2.Decode(testDecoded[:n], body)
		}
	}
	if err != nil {
		return err
	}
	return Translate(ctx, testDecoded, opts, out)
}

func zstdEncode(t testing.TB, b []byte) []byte {
	t.Helper()
	e, err := zstd.NewWriter(nil)
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	return e.EncodeAll(b, nil)
}

// unsnappy decodes a captured snappy body.
func unsnappy(t testing.TB, body []byte) []byte {
	t.Helper()
	raw, err := s2.Decode(nil, body)
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

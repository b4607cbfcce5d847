package prom

import (
	"context"
	"errors"
	"runtime"
	"strings"
	"testing"

	"github.com/klauspost/compress/s2"
	"github.com/klauspost/compress/zstd"

	"github.com/greptime-bridge/greptime-bridge/translate"
	"github.com/greptime-bridge/greptime-bridge/writer/errs"
)

func zstdEncode(t testing.TB, b []byte) []byte {
	t.Helper()
	e, err := zstd.NewWriter(nil)
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	return e.EncodeAll(b, nil)
}

// Snappy and zstd bodies decode; a body labelled with the wrong codec is
// retried with the other, as GreptimeDB does for vmagent (issue #3929).
func TestDecompressCodecs(t *testing.T) {
	raw := request1(0, series1{labels: lbl("__name__", "m", "job", "j"), samples: []sample{{1, 1}}})
	bodies := map[string][]byte{"snappy": s2.EncodeSnappy(nil, raw), "zstd": zstdEncode(t, raw)}
	for name, body := range bodies {
		for _, enc := range []Encoding{Snappy, Zstd, ""} {
			o := DefaultOptions()
			o.Encoding = enc
			out := &translate.Output{}
			if err := DecodeAndTranslate(context.Background(), body, &o, out); err != nil {
				t.Errorf("%s body as %q: %v", name, enc, err)
				continue
			}
			if out.Rows() != 1 {
				t.Errorf("%s body as %q: %d rows", name, enc, out.Rows())
			}
		}
	}
	o := DefaultOptions()
	err := DecodeAndTranslate(context.Background(), []byte("not compressed at all"), &o, &translate.Output{})
	wantErr(t, err, "cannot decode snappy body")
}

// Bodies past the decompressed-size bound fail with ErrTooLarge (413),
// without allocating what a small body claims.
func TestDecompressLimit(t *testing.T) {
	raw := request1(0, series1{labels: lbl("__name__", "m", "big", string(make([]byte, 4096))), samples: []sample{{1, 1}}})
	for _, enc := range []Encoding{Snappy, Zstd, Identity} {
		body := raw
		switch enc {
		case Snappy:
			body = s2.EncodeSnappy(nil, raw)
		case Zstd:
			body = zstdEncode(t, raw)
		}
		o := DefaultOptions()
		o.Encoding = enc
		o.MaxDecompressed = 1024
		err := DecodeAndTranslate(context.Background(), body, &o, &translate.Output{})
		if !errors.Is(err, ErrTooLarge) || !errs.IsPermanent(err) {
			t.Errorf("%s: err = %v, want permanent ErrTooLarge", enc, err)
		}
	}
	// A 5-byte snappy body claiming 1 MiB is refused before any allocation
	// of that size: no snappy block can expand that far.
	liar := []byte{0x80, 0x80, 0x40, 0x00, 0x00}
	o := DefaultOptions()
	err := DecodeAndTranslate(context.Background(), liar, &o, &translate.Output{})
	wantErr(t, err, "more than snappy can expand to")
	allocs := testing.AllocsPerRun(20, func() {
		_ = DecodeAndTranslate(context.Background(), liar, &o, &translate.Output{})
	})
	if allocs > 20 {
		t.Errorf("refusing a lying body allocated %v times", allocs)
	}
}

// A cancelled context stops the translation between series.
func TestContextCancel(t *testing.T) {
	var ss []series1
	for i := 0; i < 3*ctxCheckEvery; i++ {
		ss = append(ss, series1{labels: lbl("__name__", "m", "i", itoa(i)), samples: []sample{{1, 1}}})
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err := Translate(ctx, request1(0, ss...), v1opts(), &translate.Output{})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	if errs.IsPermanent(err) {
		t.Errorf("a cancelled translation must not be permanent")
	}
}

// TestZstdDeclaredSizeRefusedBeforeDecoding: a small zstd body whose frame
// declares more than the limit (vmagent's zstd frames carry their size) is
// refused from its header, so a bomb costs no decoding and no buffer.
func TestZstdDeclaredSizeRefusedBeforeDecoding(t *testing.T) {
	enc, err := zstd.NewWriter(nil)
	if err != nil {
		t.Fatal(err)
	}
	bomb := enc.EncodeAll(make([]byte, 8<<20), nil) // 8 MiB of zeros, a few hundred bytes
	_ = enc.Close()
	o := DefaultOptions()
	o.Encoding = Zstd
	o.MaxDecompressed = 1 << 20
	err = DecodeAndTranslate(context.Background(), bomb, &o, &translate.Output{})
	if !errors.Is(err, ErrTooLarge) || !strings.Contains(err.Error(), "claims 8388608 bytes") {
		t.Fatalf("got %v, want ErrTooLarge from the frame header", err)
	}
	var peak uint64
	allocs := testing.AllocsPerRun(5, func() {
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		_ = DecodeAndTranslate(context.Background(), bomb, &o, &translate.Output{})
		runtime.ReadMemStats(&after)
		peak = max(peak, after.TotalAlloc-before.TotalAlloc)
	})
	if peak > 256<<10 {
		t.Errorf("refusing the bomb allocated %d bytes (%v allocations)", peak, allocs)
	}
}

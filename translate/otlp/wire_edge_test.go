package otlp

import (
	"context"
	"encoding/binary"
	"errors"
	"strings"
	"testing"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/pmetric"

	"github.com/greptime-bridge/greptime-bridge/translate"
	"github.com/greptime-bridge/greptime-bridge/writer/errs"
)

// A minimal protobuf writer for hand-made requests.
func pbKey(b []byte, num, wt int) []byte { return binary.AppendUvarint(b, uint64(num)<<3|uint64(wt)) }

func pbLen(b []byte, num int, p []byte) []byte {
	return append(binary.AppendUvarint(pbKey(b, num, wtLen), uint64(len(p))), p...)
}
func pbStr(b []byte, num int, s string) []byte { return pbLen(b, num, []byte(s)) }
func pbVar(b []byte, num int, v uint64) []byte {
	return binary.AppendUvarint(pbKey(b, num, wtVarint), v)
}

func pbF64(b []byte, num int, v uint64) []byte {
	return binary.LittleEndian.AppendUint64(pbKey(b, num, wtI64), v)
}

func pbKV(k, v string) []byte { return pbLen(pbStr(nil, 1, k), 2, pbStr(nil, 1, v)) }

// pbMetrics wraps metric messages into a request with one resource.
func pbMetrics(resource []byte, metrics ...[]byte) []byte {
	var scope []byte
	for _, m := range metrics {
		scope = pbLen(scope, 2, m)
	}
	rm := pbLen(pbLen(nil, 1, resource), 2, scope)
	return pbLen(nil, 1, rm)
}

// pbGauge is a gauge with one point of the given extra point fields.
func pbGauge(name string, point []byte) []byte {
	dp := pbF64(pbF64(nil, 3, 1_700_000_000_000_000_000), 4, 0x3ff0000000000000)
	return pbLen(pbStr(nil, 1, name), 5, pbLen(nil, 1, append(dp, point...)))
}

// pbHistPoint is a histogram point with a time, a sum and more fields.
func pbHistPoint(more []byte) []byte {
	return append(pbF64(pbF64(pbF64(nil, 3, 1_700_000_000_000_000_000), 5, 0x3ff8000000000000), 4, 9), more...)
}

// TestWireEdgeCases holds the wire path to pdata on encodings real senders
// rarely produce: repeated singular messages, oneof repeats, unknown
// fields and groups, wrong wire types, bad IDs, and says which take the
// wire path.
func TestWireEdgeCases(t *testing.T) {
	res := pbLen(nil, 1, pbKV("service.name", "svc"))
	attr := pbLen(nil, 7, pbKV("method", "GET"))
	cases := []struct {
		name string
		body []byte
		wire bool
	}{
		{"plain", pbMetrics(res, pbGauge("up", attr)), true},
		{"repeated attribute value merges", pbMetrics(res, pbGauge("up", pbLen(nil, 7, pbLen(pbLen(pbStr(nil, 1, "k"), 2, pbStr(nil, 1, "a")), 2, pbVar(nil, 3, 7))))), true},
		{"resource after scopes", func() []byte {
			rm := pbLen(pbLen(nil, 2, pbLen(nil, 2, pbGauge("up", attr))), 1, res)
			return pbLen(nil, 1, rm)
		}(), true},
		{"two resources merge", func() []byte {
			rm := pbLen(pbLen(pbLen(nil, 1, res), 1, pbLen(nil, 1, pbKV("host.name", "h"))), 2, pbLen(nil, 2, pbGauge("up", attr)))
			return pbLen(nil, 1, rm)
		}(), false},
		{"deprecated scope list", pbLen(nil, 1, pbLen(pbLen(nil, 1, res), 1000, pbLen(nil, 2, pbGauge("up", attr)))), false},
		{"gauge then sum", pbMetrics(res, append(pbGauge("up", attr), pbLen(nil, 7, nil)...)), false},
		{"exponential histogram", pbMetrics(res, pbLen(pbStr(nil, 1, "h"), 10, pbLen(nil, 1, pbLen(pbVar(pbF64(nil, 3, 9), 6, 3), 8,
			pbLen(pbVar(nil, 1, 5), 2, []byte{1, 0x80, 0x01, 7}))))), true},
		{"exponential histogram, truncated packed bucket", pbMetrics(res, pbLen(pbStr(nil, 1, "h"), 10, pbLen(nil, 1, pbLen(nil, 9,
			pbLen(nil, 2, []byte{1, 0x80}))))), true},
		{"exponential histogram, wrong wire type for scale", pbMetrics(res, pbLen(pbStr(nil, 1, "h"), 10, pbLen(nil, 1, pbF64(nil, 6, 1)))), true},
		{"histogram packed then unpacked", pbMetrics(res, pbLen(pbStr(nil, 1, "h"), 9, pbLen(nil, 1, pbHistPoint(
			pbF64(pbF64(pbLen(pbLen(nil, 6, make([]byte, 16)), 7, make([]byte, 8)), 6, 5), 7, 0x3ff0000000000000))))), true},
		{"histogram unpacked then packed", pbMetrics(res, pbLen(pbStr(nil, 1, "h"), 9, pbLen(nil, 1, pbHistPoint(
			pbLen(pbF64(pbF64(nil, 6, 5), 6, 7), 6, make([]byte, 8)))))), true},
		{"histogram empty packed", pbMetrics(res, pbLen(pbStr(nil, 1, "h"), 9, pbLen(nil, 1, pbHistPoint(
			pbLen(pbF64(nil, 6, 5), 6, nil))))), true},
		{"histogram bad packed length", pbMetrics(res, pbLen(pbStr(nil, 1, "h"), 9, pbLen(nil, 1, pbHistPoint(
			pbLen(nil, 7, make([]byte, 9)))))), true},
		{"summary", pbMetrics(res, pbLen(pbStr(nil, 1, "s"), 11, pbLen(nil, 1, pbLen(pbLen(pbF64(nil, 3, 1e18), 6,
			pbF64(pbF64(nil, 1, 0x3fe0000000000000), 2, 0x4000000000000000)), 7, pbKV("q", "1"))))), true},
		{"no data", pbMetrics(res, pbStr(nil, 1, "nothing")), true},
		{"empty gauge with bad name", pbMetrics(res, pbLen(pbStr(nil, 1, "..."), 5, nil)), true},
		{"unknown fields everywhere", pbMetrics(pbVar(res, 99, 1), pbGauge("up", pbF64(attr, 77, 5))), true},
		{"unknown group", pbMetrics(res, pbGauge("up", append(pbKey(attr, 40, wtSGroup), pbVar(nil, 1, 3)...))), true},
		{"stray end group", pbMetrics(res, pbGauge("up", pbKey(attr, 40, wtEGroup))), true},
		{"wire type 6", pbMetrics(res, pbGauge("up", pbKey(attr, 40, 6))), true},
		{"wrong wire type for time", pbMetrics(res, pbGauge("up", pbVar(attr, 3, 1))), true},
		{"wrong wire type for name", pbMetrics(res, pbVar(nil, 1, 1)), true},
		{"field number 0", pbMetrics(res, pbGauge("up", pbVar(attr, 0, 1))), true},
		{"truncated", pbMetrics(res, pbGauge("up", attr))[:20], true},
		{"int value", pbMetrics(res, pbGauge("up", pbF64(attr, 6, 1<<63))), true},
		{"exemplar with short trace id", pbMetrics(res, pbGauge("up", pbLen(attr, 5, pbStr(nil, 5, "abc")))), true},
		{"exemplar", pbMetrics(res, pbGauge("up", pbLen(attr, 5, pbLen(pbStr(nil, 5, "0123456789abcdef"), 7, pbKV("a", "b"))))), true},
		{"invalid utf-8 key", pbMetrics(res, pbGauge("up", pbLen(nil, 7, pbKV("\xff", "v")))), true},
		{"string index value", pbMetrics(res, pbGauge("up", pbLen(nil, 7, pbLen(pbStr(nil, 1, "k"), 2, pbVar(nil, 8, 3))))), true},
		{"huge tag", pbMetrics(res, pbGauge("up", pbVar(attr, 1<<28, 1))), true},
	}
	c := NewConverter()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			for _, opts := range []RequestOptions{{}, {PromoteScopeAttrs: true}, {ConvertExponentialHistograms: true}} {
				want := tc.wire && !(opts.ConvertExponentialHistograms && strings.HasPrefix(tc.name, "exponential"))
				if wire := diffMetrics(t, c, tc.body, translate.DefaultDatabaseOptions(), opts); wire != want {
					t.Fatalf("wire path %v, want %v (options %+v)", wire, want, opts)
				}
			}
		})
	}
}

// nested returns a value nested depth maps deep.
func nested(v pcommon.Value, depth int) {
	for i := 0; i < depth; i++ {
		v = v.SetEmptyMap().PutEmpty("k")
	}
	v.SetStr("leaf")
}

// TestWireDepthLimit: both paths accept and refuse nested attribute values
// at the same depth (pdata's recursion limit of 100).
func TestWireDepthLimit(t *testing.T) {
	c := NewConverter()
	var accepted, refused int
	for depth := 25; depth <= 40; depth++ {
		md := pmetric.NewMetrics()
		mt := md.ResourceMetrics().AppendEmpty().ScopeMetrics().AppendEmpty().Metrics().AppendEmpty()
		mt.SetName("deep")
		dp := mt.SetEmptyGauge().DataPoints().AppendEmpty()
		nested(dp.Attributes().PutEmpty("deep"), depth)
		mb, err := (&pmetric.ProtoMarshaler{}).MarshalMetrics(md)
		if err != nil {
			t.Fatal(err)
		}
		diffMetrics(t, c, mb, translate.DefaultDatabaseOptions(), RequestOptions{})
		ld := plog.NewLogs()
		rec := ld.ResourceLogs().AppendEmpty().ScopeLogs().AppendEmpty().LogRecords().AppendEmpty()
		nested(rec.Attributes().PutEmpty("deep"), depth)
		nested(rec.Body(), depth)
		lb, err := (&plog.ProtoMarshaler{}).MarshalLogs(ld)
		if err != nil {
			t.Fatal(err)
		}
		diffLogs(t, c, lb, RequestOptions{})
		if _, err := pdataMetrics(mb, translate.DefaultDatabaseOptions(), RequestOptions{}); err != nil {
			refused++
		} else {
			accepted++
		}
	}
	if accepted == 0 || refused == 0 {
		t.Fatalf("accepted %d, refused %d: the range does not straddle the limit", accepted, refused)
	}
}

// TestWireCachesOutliveTheBody: the converter's caches must not keep views
// of a request body the caller reuses for the next request.
func TestWireCachesOutliveTheBody(t *testing.T) {
	a := pbMetrics(pbLen(nil, 1, pbKV("service.name", "svc")), pbGauge("aaa.b", pbLen(nil, 7, pbKV("k.x", "1"))))
	b := pbMetrics(pbLen(nil, 1, pbKV("service.name", "svc")), pbGauge("ccc-d", pbLen(nil, 7, pbKV("m-y", "1"))))
	if len(a) != len(b) {
		t.Fatalf("test requests must be the same size: %d, %d", len(a), len(b))
	}
	c := NewConverter()
	buf := append([]byte(nil), a...)
	diffMetrics(t, c, buf, translate.DefaultDatabaseOptions(), RequestOptions{})
	copy(buf, b) // the receiver's pooled buffer, reused
	diffMetrics(t, c, buf, translate.DefaultDatabaseOptions(), RequestOptions{})
	copy(buf, a)
	diffMetrics(t, c, buf, translate.DefaultDatabaseOptions(), RequestOptions{})
}

// TestWireCancelledIsRetryable: a cancelled context stops the walk with a
// retryable error, not a bad-data one.
func TestWireCancelledIsRetryable(t *testing.T) {
	md := pmetric.NewMetrics()
	mt := md.ResourceMetrics().AppendEmpty().ScopeMetrics().AppendEmpty().Metrics().AppendEmpty()
	mt.SetName("many")
	dps := mt.SetEmptyGauge().DataPoints()
	for i := 0; i < 2*checkEvery; i++ {
		dps.AppendEmpty().SetIntValue(int64(i))
	}
	body, _ := (&pmetric.ProtoMarshaler{}).MarshalMetrics(md)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := NewConverter().MetricsProto(ctx, body, translate.DefaultDatabaseOptions(), nil, &translate.Output{})
	if !errors.Is(err, context.Canceled) || errs.IsPermanent(err) {
		t.Fatalf("error %v: want a retryable context.Canceled", err)
	}
	_, err = NewConverter().MetricsProto(context.Background(), body[:len(body)-1], translate.DefaultDatabaseOptions(), nil, &translate.Output{})
	if err == nil || !errs.IsPermanent(err) {
		t.Fatalf("truncated request: error %v, want a permanent one", err)
	}
}

// TestAppendJSONStringWords checks the 8-byte fast path against rendering
// byte by byte, for every byte value at every position of two words (a
// lone byte >= 0x80 is invalid UTF-8 and becomes U+FFFD either way).
func TestAppendJSONStringWords(t *testing.T) {
	for c := 0; c < 256; c++ {
		for pos := 0; pos < 16; pos++ {
			in := []byte("abcdefghijklmnopqrstuvwx")
			in[pos] = byte(c)
			got := string(appendJSONString(nil, string(in)))
			var want []byte
			want = append(want, '"')
			for _, x := range in {
				one := appendJSONString(nil, string([]byte{x}))
				want = append(want, one[1:len(one)-1]...)
			}
			want = append(want, '"')
			if got != string(want) {
				t.Fatalf("byte %#x at %d: got %q, want %q", c, pos, got, want)
			}
		}
	}
}

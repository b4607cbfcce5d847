package otlp

import (
	"reflect"
	"testing"

	"google.golang.org/protobuf/encoding/protowire"

	"github.com/greptime-bridge/greptime-bridge/translate"
)

// TestShortScalarKVMatchesWalk decodes KeyValues whose value the short
// path takes (strings, ints, bools, in both field orders) or must leave to
// the general walk (an overlong or truncated varint, a second field in
// the value, a double), and checks decodeKV against the value decoded by
// decodeAny and the key as written.
func TestShortScalarKVMatchesWalk(t *testing.T) {
	varint := func(field protowire.Number, x uint64) []byte {
		return protowire.AppendVarint(protowire.AppendTag(nil, field, protowire.VarintType), x)
	}
	str := protowire.AppendBytes(protowire.AppendTag(nil, 1, protowire.BytesType), []byte("v\"x"))
	overlong := append(protowire.AppendTag(nil, 3, protowire.VarintType), 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01)
	truncated := append(protowire.AppendTag(nil, 3, protowire.VarintType), 0x80)
	double := protowire.AppendFixed64(protowire.AppendTag(nil, 4, protowire.Fixed64Type), 0x3ff0000000000000)
	values := map[string][]byte{
		"string":        str,
		"int 200":       varint(3, 200),
		"int 0":         varint(3, 0),
		"int -1":        varint(3, ^uint64(0)),
		"bool true":     varint(2, 1),
		"bool false":    varint(2, 0),
		"bool 2":        varint(2, 2),
		"overlong int":  overlong,
		"truncated int": truncated,
		"int then bool": append(varint(3, 7), varint(2, 1)...),
		"double":        double,
		"empty":         nil,
	}
	for name, val := range values {
		for _, valueFirst := range []bool{false, true} {
			key := protowire.AppendBytes(protowire.AppendTag(nil, 1, protowire.BytesType), []byte("k"))
			value := protowire.AppendBytes(protowire.AppendTag(nil, 2, protowire.BytesType), val)
			kv := append(append([]byte(nil), key...), value...)
			if valueFirst {
				kv = append(append([]byte(nil), value...), key...)
			}
			var want anyVal
			wantErr := decodeAny(val, 1, &want)
			var got anyVal
			k, err := decodeKV(kv, 0, &got)
			if (err != nil) != (wantErr != nil) {
				t.Errorf("%s (value first %v): error %v, walk's %v", name, valueFirst, err, wantErr)
				continue
			}
			if err == nil && (string(k) != "k" || !reflect.DeepEqual(got, want)) {
				t.Errorf("%s (value first %v): key %q value %+v, want %+v", name, valueFirst, k, got, want)
			}
		}
	}
}

// TestWireNumberPointSplitAttrs holds the wire path to pdata on gauge
// points whose attribute fields are not adjacent (the value between them,
// a key repeated after it), twice in a row so the second point meets the
// first's memo, and then a point with them adjacent.
func TestWireNumberPointSplitAttrs(t *testing.T) {
	kv := stringKV
	attrs := func(b []byte, kvs ...[]byte) []byte {
		for _, f := range kvs {
			b = protowire.AppendBytes(protowire.AppendTag(b, fNumberAttrs, protowire.BytesType), f)
		}
		return b
	}
	point := func(split bool) []byte {
		b := protowire.AppendFixed64(protowire.AppendTag(nil, fNumberTime, protowire.Fixed64Type), 1_700_000_000_000_000_000)
		b = attrs(b, kv("b", "1"), kv("a", "2"))
		if split {
			b = protowire.AppendFixed64(protowire.AppendTag(b, fNumberDouble, protowire.Fixed64Type), 0x3ff0000000000000)
		}
		b = attrs(b, kv("c", "3"), kv("b", "4"))
		if !split {
			b = protowire.AppendFixed64(protowire.AppendTag(b, fNumberDouble, protowire.Fixed64Type), 0x4000000000000000)
		}
		return b
	}
	var gauge []byte
	for _, p := range [][]byte{point(true), point(true), point(false)} {
		gauge = protowire.AppendBytes(protowire.AppendTag(gauge, 1, protowire.BytesType), p) // Gauge.data_points
	}
	metric := protowire.AppendBytes(protowire.AppendTag(nil, fMetricName, protowire.BytesType), []byte("g"))
	metric = protowire.AppendBytes(protowire.AppendTag(metric, fMetricGauge, protowire.BytesType), gauge)
	scope := protowire.AppendBytes(protowire.AppendTag(nil, 2, protowire.BytesType), metric) // ScopeMetrics.metrics
	res := protowire.AppendBytes(protowire.AppendTag(nil, 2, protowire.BytesType), scope)    // ResourceMetrics.scope_metrics
	req := protowire.AppendBytes(protowire.AppendTag(nil, 1, protowire.BytesType), res)      // ExportMetricsServiceRequest.resource_metrics
	if !diffMetrics(t, NewConverter(), req, translate.DefaultDatabaseOptions(), RequestOptions{}) {
		t.Fatal("not on the wire path")
	}
}

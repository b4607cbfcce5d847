package otlp

import (
	"testing"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
	"google.golang.org/protobuf/encoding/protowire"
)

// logAttrFills are record attribute sets that repeat, change, reorder,
// retype, nest and drop attributes; the last repeats the first.
func logAttrFills(x, y, q string, n int64) []func(pcommon.Map) {
	return []func(pcommon.Map){
		func(a pcommon.Map) { a.PutStr("k1", x); a.PutStr("k2", y); a.PutInt("n", n) },
		func(a pcommon.Map) { a.PutStr("k1", x); a.PutStr("k2", y); a.PutInt("n", n+1) },
		func(a pcommon.Map) { a.PutStr("k1", x); a.PutStr("k2", q); a.PutInt("n", n+1) },
		func(a pcommon.Map) { a.PutStr("k2", q); a.PutStr("k1", x); a.PutInt("n", n+1) },
		func(a pcommon.Map) { a.PutStr("k1", x); a.PutDouble("k2", 0.5); a.PutBool("n", true) },
		func(a pcommon.Map) { a.PutStr("k1", x); a.PutEmptyMap("k2").PutStr("in", y); a.PutBool("n", true) },
		func(a pcommon.Map) { a.PutStr("k1", x); a.PutEmptySlice("k2").AppendEmpty().SetInt(n) },
		func(a pcommon.Map) { a.PutStr("k1", x) },
		func(pcommon.Map) {},
		func(a pcommon.Map) { a.PutStr("k1", x); a.PutStr("k2", y); a.PutInt("n", n) },
	}
}

// logAttrsRequest puts the fills' records in two scopes of one resource.
func logAttrsRequest(t *testing.T, fills []func(pcommon.Map)) []byte {
	t.Helper()
	ld := plog.NewLogs()
	rl := ld.ResourceLogs().AppendEmpty()
	rl.Resource().Attributes().PutStr("service.name", "svc")
	for s := range 2 {
		sl := rl.ScopeLogs().AppendEmpty()
		sl.Scope().SetName("scope" + itoa(s))
		sl.Scope().Attributes().PutStr("k1", "scope-value")
		for i, fill := range fills {
			r := sl.LogRecords().AppendEmpty()
			r.SetTimestamp(pcommon.Timestamp(1_700_000_000_000_000_000 + int64(i)))
			r.Body().SetStr("message")
			fill(r.Attributes())
		}
	}
	body, err := (&plog.ProtoMarshaler{}).MarshalLogs(ld)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := pdataLogs(body, RequestOptions{}); err != nil {
		t.Fatalf("the reference refuses the request: %v", err)
	}
	return body
}

// TestWireLogAttrsReuse holds the wire path, which keeps the previous
// record's decoded attributes and rendered values where the bytes repeat,
// to the pdata path over two requests translated by one converter from
// one buffer, as the receiver reuses its request buffers: the second
// request has the first's layout byte for byte but other values of the
// same lengths, so a slot, a rendered value or an attribute memo kept as
// a view into the first request (or not forgotten at Reset) would find
// the second request's bytes where the first's were, equal to a record's
// of the second, and render the first's values.
func TestWireLogAttrsReuse(t *testing.T) {
	first := logAttrsRequest(t, logAttrFills("x", "y", "q\"\n", 1))
	second := logAttrsRequest(t, logAttrFills("z", "w", "r\"\t", 3))
	if len(first) != len(second) || string(first) == string(second) {
		t.Fatalf("the requests must differ in values only: %d and %d bytes", len(first), len(second))
	}
	buf := append([]byte(nil), first...)
	c := NewConverter()
	if !diffLogs(t, c, buf, RequestOptions{}) {
		t.Fatal("not on the wire path")
	}
	copy(buf, second)
	if !diffLogs(t, c, buf, RequestOptions{}) {
		t.Fatal("not on the wire path")
	}
}

// TestLogAttrsJSONAfterError renders a record's attributes after one
// whose attributes failed to decode part-way, with the converter not
// reset in between: the failed record had decoded a changed first
// attribute into its slot while the layout still held the value rendered
// before, and the next record, repeating that changed attribute, must not
// be rendered with the older value. Both a bad KeyValue and a field the
// reader cannot read are tried.
func TestLogAttrsJSONAfterError(t *testing.T) {
	kv, attrs := stringKV, recordAttrs
	badKV := protowire.AppendVarint(protowire.AppendTag(nil, 1, protowire.VarintType), 7) // a key of the wrong wire type
	for name, failed := range map[string][]byte{
		"bad KeyValue":    attrs(kv("k1", "changed"), badKV),
		"truncated field": append(attrs(kv("k1", "changed")), protowire.AppendTag(nil, fLogAttrs, protowire.BytesType)...),
	} {
		t.Run(name, func(t *testing.T) {
			c := NewConverter()
			render := func(b []byte) (string, error) {
				j, err := renderLogAttrs(c, b)
				return string(j), err
			}
			if got, err := render(attrs(kv("k1", "before"), kv("k2", "b"))); err != nil || got != `{"k1":"before","k2":"b"}` {
				t.Fatalf("first record: %s, %v", got, err)
			}
			if got, err := render(failed); err == nil {
				t.Fatalf("the failing record rendered %s", got)
			}
			if got, err := render(attrs(kv("k1", "changed"), kv("k2", "b"))); err != nil || got != `{"k1":"changed","k2":"b"}` {
				t.Fatalf("record after the failure: %s, %v", got, err)
			}
		})
	}
}

// stringKV is a KeyValue holding a string.
func stringKV(k, v string) []byte {
	s := protowire.AppendBytes(protowire.AppendTag(nil, 1, protowire.BytesType), []byte(v)) // AnyValue.string_value
	b := protowire.AppendBytes(protowire.AppendTag(nil, 1, protowire.BytesType), []byte(k)) // KeyValue.key
	return protowire.AppendBytes(protowire.AppendTag(b, 2, protowire.BytesType), s)         // KeyValue.value
}

// recordAttrs is a LogRecord's attribute fields holding fields.
func recordAttrs(fields ...[]byte) []byte {
	var b []byte
	for _, f := range fields {
		b = protowire.AppendBytes(protowire.AppendTag(b, fLogAttrs, protowire.BytesType), f)
	}
	return b
}

// TestLogAttrsJSONSlotPastShorterRecord renders a record whose last
// attribute repeats, byte for byte, one of a record two before, with a
// shorter record between: the slot still holds that attribute's decode,
// but its rendered value was in a text since overwritten, and must be
// rendered again rather than copied from there.
func TestLogAttrsJSONSlotPastShorterRecord(t *testing.T) {
	c := NewConverter()
	for i, rec := range []struct {
		fields []string
		want   string
	}{
		{[]string{"k1", "a", "k2", "b", "k3", "c"}, `{"k1":"a","k2":"b","k3":"c"}`},
		{[]string{"k1", "a longer value", "k2", "b"}, `{"k1":"a longer value","k2":"b"}`},
		{[]string{"k1", "a", "k2", "b", "k3", "c"}, `{"k1":"a","k2":"b","k3":"c"}`},
		{[]string{"k1", "x", "k2", "y", "k3", "c"}, `{"k1":"x","k2":"y","k3":"c"}`},
	} {
		var kvs [][]byte
		for j := 0; j < len(rec.fields); j += 2 {
			kvs = append(kvs, stringKV(rec.fields[j], rec.fields[j+1]))
		}
		b := recordAttrs(kvs...)
		got, err := renderLogAttrs(c, b)
		if err != nil || string(got) != rec.want {
			t.Errorf("record %d: %s, %v; want %s", i, got, err, rec.want)
		}
	}
}

// renderLogAttrs decodes rec, a LogRecord, and renders its attributes as
// wireLogRecord does.
func renderLogAttrs(c *Converter, rec []byte) ([]byte, error) {
	var r wireRecord
	if err := c.decodeLogRecord(rec, &r); err != nil {
		return nil, err
	}
	return c.logAttrsJSON(&r)
}

// TestWireLogAttrsSplit holds the wire path to pdata on records whose
// attribute fields are not adjacent (a body between them, a key repeated
// after it), twice in a row so the second record finds the first's
// slots, and then a record with them adjacent.
func TestWireLogAttrsSplit(t *testing.T) {
	body := protowire.AppendBytes(protowire.AppendTag(nil, 1, protowire.BytesType), []byte("msg")) // AnyValue.string_value
	split := recordAttrs(stringKV("b", "1"), stringKV("a", "2"))
	split = protowire.AppendBytes(protowire.AppendTag(split, fLogBody, protowire.BytesType), body)
	split = append(split, recordAttrs(stringKV("c", "3"), stringKV("b", "4"))...)
	adjacent := recordAttrs(stringKV("b", "1"), stringKV("a", "2"), stringKV("c", "5"))
	var scope []byte
	for _, rec := range [][]byte{split, split, adjacent} {
		scope = protowire.AppendBytes(protowire.AppendTag(scope, 2, protowire.BytesType), rec) // ScopeLogs.log_records
	}
	res := protowire.AppendBytes(protowire.AppendTag(nil, 2, protowire.BytesType), scope) // ResourceLogs.scope_logs
	req := protowire.AppendBytes(protowire.AppendTag(nil, 1, protowire.BytesType), res)   // ExportLogsServiceRequest.resource_logs
	if !diffLogs(t, NewConverter(), req, RequestOptions{}) {
		t.Fatal("not on the wire path")
	}
}

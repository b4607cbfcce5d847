package otlp

import (
	"testing"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
)

// TestWireLogAttrsReuse holds the wire path, which keeps the previous
// record's decoded attributes and rendered values where the bytes repeat,
// to the pdata path on records that repeat, change, reorder, retype, nest
// and drop their attributes, in two scopes and over two requests with one
// converter.
func TestWireLogAttrsReuse(t *testing.T) {
	fills := []func(pcommon.Map){
		func(a pcommon.Map) { a.PutStr("k1", "x"); a.PutStr("k2", "y"); a.PutInt("n", 1) },
		func(a pcommon.Map) { a.PutStr("k1", "x"); a.PutStr("k2", "y"); a.PutInt("n", 2) },
		func(a pcommon.Map) { a.PutStr("k1", "x"); a.PutStr("k2", "q\"\n"); a.PutInt("n", 2) },
		func(a pcommon.Map) { a.PutStr("k2", "q\"\n"); a.PutStr("k1", "x"); a.PutInt("n", 2) },
		func(a pcommon.Map) { a.PutStr("k1", "x"); a.PutDouble("k2", 0.5); a.PutBool("n", true) },
		func(a pcommon.Map) { a.PutStr("k1", "x"); a.PutEmptyMap("k2").PutStr("in", "v"); a.PutBool("n", true) },
		func(a pcommon.Map) { a.PutStr("k1", "x"); a.PutEmptySlice("k2").AppendEmpty().SetInt(3) },
		func(a pcommon.Map) { a.PutStr("k1", "x") },
		func(pcommon.Map) {},
		func(a pcommon.Map) { a.PutStr("k1", "x"); a.PutStr("k2", "y"); a.PutInt("n", 1) },
	}
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
	c := NewConverter()
	for range 2 {
		if !diffLogs(t, c, body, RequestOptions{}) {
			t.Fatal("not on the wire path")
		}
	}
}

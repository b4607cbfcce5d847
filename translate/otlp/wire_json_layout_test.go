package otlp

import (
	"testing"

	"go.opentelemetry.io/collector/pdata/pcommon"
)

// TestJSONLayoutMatchesAppend passes a sequence of attribute lists through
// one layout, as consecutive log records do, and checks every rendering
// against appendJSONBKVs: same keys, other values; keys reordered, added,
// removed or duplicated; keys that need escaping; an empty list.
func TestJSONLayoutMatchesAppend(t *testing.T) {
	str := func(s string) anyVal { return anyVal{typ: pcommon.ValueTypeStr, s: []byte(s)} }
	num := func(i int64) anyVal { return anyVal{typ: pcommon.ValueTypeInt, i: i} }
	lists := [][]wireKV{
		{{"b", str("1")}, {"a", num(2)}, {"c", str("x")}},
		{{"b", str("2")}, {"a", num(3)}, {"c", str("y\n")}},
		{{"a", num(3)}, {"b", str("2")}, {"c", str("y")}},
		{{"a", num(3)}, {"b", str("2")}},
		{{"a", num(1)}, {"b", str("2")}, {"a", num(4)}},
		{{"a", num(5)}, {"b", str("6")}, {"a", num(7)}},
		{},
		{{"é\"q", str("v")}, {"\x01", num(0)}},
		{{"é\"q", str("w")}, {"\x01", num(1)}},
		{{"k", str("")}},
	}
	var l jsonLayout
	for i, kvs := range lists {
		want := string(appendJSONBKVs(nil, kvs))
		if got := string(l.render(kvs, nil)); got != want {
			t.Errorf("list %d: layout %s, want %s", i, got, want)
		}
	}
}

// TestJSONLayoutOutlivesKeys checks that a layout keeps its own copy of the
// keys: the bytes they were decoded from are reused by the next request.
func TestJSONLayoutOutlivesKeys(t *testing.T) {
	buf := []byte("ab")
	kvs := []wireKV{{bytesView(buf[:1]), anyVal{typ: pcommon.ValueTypeInt, i: 1}}, {bytesView(buf[1:]), anyVal{typ: pcommon.ValueTypeInt, i: 2}}}
	var l jsonLayout
	l.render(kvs, nil)
	copy(buf, "ba") // the request's bytes change under the views
	// Keys equal to what the old views now read: a layout holding views
	// would take them for its own and write the old heads.
	next := []wireKV{{"b", anyVal{typ: pcommon.ValueTypeInt, i: 3}}, {"a", anyVal{typ: pcommon.ValueTypeInt, i: 4}}}
	if got, want := string(l.render(next, nil)), `{"a":4,"b":3}`; got != want {
		t.Fatalf("got %s, want %s", got, want)
	}
}

// TestJSONLayoutReusesValues passes lists through one layout saying which
// positions repeat the previous list's attribute, and checks every
// rendering against appendJSONBKVs: a repeated value is not rendered
// again, and one that a duplicate key hid is rendered when it shows.
func TestJSONLayoutReusesValues(t *testing.T) {
	str := func(s string) anyVal { return anyVal{typ: pcommon.ValueTypeStr, s: []byte(s)} }
	lists := [][]wireKV{
		{{"a", str("1")}, {"b", str("x")}},
		{{"a", str("1")}, {"b", str("y")}},
		{{"a", str("2")}, {"a", str("9")}},
		{{"a", str("2")}, {"b", str("y")}},
		{{"b", str("y")}, {"a", str("2")}},
		{{"b", str("y")}, {"a", str("2")}, {"c", str("\"")}},
		{{"b", str("y")}, {"a", str("3")}, {"c", str("\"")}},
		{{"c", str("y")}, {"a", str("3")}, {"b", str("\"")}},
		// A value rendered, then hidden by a later duplicate while it
		// repeats, then shown again: it is not in the text before.
		{{"a", str("1")}, {"b", str("x")}},
		{{"a", str("1")}, {"a", str("9")}},
		{{"a", str("1")}, {"b", str("z")}},
	}
	var l jsonLayout
	var prev []wireKV
	for i, kvs := range lists {
		same := make([]bool, len(kvs))
		for k := range kvs {
			same[k] = k < len(prev) && prev[k].key == kvs[k].key && string(prev[k].v.s) == string(kvs[k].v.s)
		}
		want := string(appendJSONBKVs(nil, kvs))
		if got := string(l.render(kvs, same)); got != want {
			t.Errorf("list %d: layout %s, want %s", i, got, want)
		}
		prev = kvs
	}
}

package otlp

import (
	"encoding/hex"
	"slices"
	"strconv"
	"strings"

	"go.opentelemetry.io/collector/pdata/pcommon"
)

// wireKV is one decoded attribute while a JSON object is built.
type wireKV struct {
	key string
	v   anyVal
}

// appendJSONBKVs is appendJSONBMap for decoded attributes: keys sorted
// stably, the last of duplicate keys kept (otlp/utils.rs
// key_value_to_jsonb).
func appendJSONBKVs(b []byte, kvs []wireKV) []byte {
	var small [32]int32
	idx := jsonMembers(small[:0], kvs)
	b = append(b, '{')
	for i, k := range idx {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendJSONString(b, kvs[k].key)
		b = append(b, ':')
		b = appendJSONBAny(b, &kvs[k].v)
	}
	return append(b, '}')
}

// jsonMembers appends to idx the indexes of kvs in the order their members
// are written: keys sorted stably, and of duplicate keys only the last.
// It sorts an index rather than the entries, which are large enough that
// moving them showed in the profile.
func jsonMembers(idx []int32, kvs []wireKV) []int32 {
	idx = idx[:0]
	for i := range kvs {
		idx = append(idx, int32(i))
	}
	if len(idx) <= 16 {
		for i := 1; i < len(idx); i++ {
			for j := i; j > 0 && kvs[idx[j-1]].key > kvs[idx[j]].key; j-- {
				idx[j-1], idx[j] = idx[j], idx[j-1]
			}
		}
	} else {
		slices.SortStableFunc(idx, func(a, b int32) int { return strings.Compare(kvs[a].key, kvs[b].key) })
	}
	out := idx[:0]
	for i, k := range idx {
		if i+1 < len(idx) && kvs[idx[i+1]].key == kvs[k].key {
			continue // a later duplicate wins
		}
		out = append(out, k)
	}
	return out
}

// collectKVs decodes a KeyValueList already validated by decodeAny.
func collectKVs(raw []byte) []wireKV {
	var kvs []wireKV
	_ = forEachKV(raw, 0, func(key []byte, v *anyVal) error {
		kvs = append(kvs, wireKV{bytesView(key), *v})
		return nil
	})
	return kvs
}

// appendJSONBAny is appendJSONBValue for a decoded AnyValue.
func appendJSONBAny(b []byte, v *anyVal) []byte {
	switch v.typ {
	case pcommon.ValueTypeStr:
		return appendJSONString(b, bytesView(v.s))
	case pcommon.ValueTypeInt:
		return strconv.AppendInt(b, v.i, 10)
	case pcommon.ValueTypeDouble:
		return appendJSONFloat(b, v.f)
	case pcommon.ValueTypeBool:
		return strconv.AppendBool(b, v.b)
	case pcommon.ValueTypeBytes:
		b = append(b, '"')
		b = hex.AppendEncode(b, v.s)
		return append(b, '"')
	case pcommon.ValueTypeSlice:
		b = append(b, '[')
		n := 0
		_ = forEachArrayValue(v.raw, 0, func(e *anyVal) error {
			if n > 0 {
				b = append(b, ',')
			}
			n++
			b = appendJSONBAny(b, e)
			return nil
		})
		return append(b, ']')
	case pcommon.ValueTypeMap:
		return appendJSONBKVs(b, collectKVs(v.raw))
	}
	return append(b, "null"...)
}

// appendSerdeAny is appendSerdeValue for a decoded AnyValue (a non-string
// log body): maps keep order and duplicates, bytes are arrays of numbers.
func appendSerdeAny(b []byte, v *anyVal) []byte {
	switch v.typ {
	case pcommon.ValueTypeBytes:
		b = append(b, '[')
		for i, x := range v.s {
			if i > 0 {
				b = append(b, ',')
			}
			b = strconv.AppendUint(b, uint64(x), 10)
		}
		return append(b, ']')
	case pcommon.ValueTypeSlice:
		b = append(b, '[')
		n := 0
		_ = forEachArrayValue(v.raw, 0, func(e *anyVal) error {
			if n > 0 {
				b = append(b, ',')
			}
			n++
			b = appendSerdeAny(b, e)
			return nil
		})
		return append(b, ']')
	case pcommon.ValueTypeMap:
		b = append(b, '{')
		n := 0
		_ = forEachKV(v.raw, 0, func(key []byte, e *anyVal) error {
			if n > 0 {
				b = append(b, ',')
			}
			n++
			b = appendJSONString(b, bytesView(key))
			b = append(b, ':')
			b = appendSerdeAny(b, e)
			return nil
		})
		return append(b, '}')
	}
	return appendJSONBAny(b, v)
}

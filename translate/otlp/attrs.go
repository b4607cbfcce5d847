package otlp

import (
	"encoding/hex"
	"math"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"go.opentelemetry.io/collector/pdata/pcommon"
)

// appendRustFloat appends v as Rust's f64 Display prints it, which
// GreptimeDB uses for metric attribute values and le/quantile labels
// (metrics.rs: v.to_string()): the shortest round-trip digits, never an
// exponent, "inf"/"-inf"/"NaN" for the specials.
func appendRustFloat(b []byte, v float64) []byte {
	switch {
	case math.IsInf(v, 1):
		return append(b, "inf"...)
	case math.IsInf(v, -1):
		return append(b, "-inf"...)
	case math.IsNaN(v):
		return append(b, "NaN"...)
	}
	return strconv.AppendFloat(b, v, 'f', -1, 64)
}

// rustFloat returns appendRustFloat as a string.
func rustFloat(v float64) string { return string(appendRustFloat(nil, v)) }

// appendJSONFloat appends v as serde_json prints an f64 (the ryu format):
// integral values keep ".0", decimal notation for 1e-5 <= |v| < 1e16 and
// "1.5e-7"/"1e16" outside; NaN and ±Inf become null. GreptimeDB parses the
// JSON text back into JSONB, where "1.0" stays a float.
func appendJSONFloat(b []byte, v float64) []byte {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return append(b, "null"...)
	}
	if v == 0 {
		if math.Signbit(v) {
			return append(b, "-0.0"...)
		}
		return append(b, "0.0"...)
	}
	// Shortest digits and decimal exponent from strconv's 'e' form.
	var tmp [32]byte
	e := strconv.AppendFloat(tmp[:0], v, 'e', -1, 64)
	neg := e[0] == '-'
	if neg {
		e = e[1:]
	}
	var digits []byte
	i := 0
	for ; i < len(e) && e[i] != 'e'; i++ {
		if e[i] != '.' {
			digits = append(digits, e[i])
		}
	}
	exp, _ := strconv.Atoi(string(e[i+1:]))
	kk := exp + 1 // position of the decimal point relative to the digits
	n := len(digits)
	if neg {
		b = append(b, '-')
	}
	switch {
	case 0 <= exp && kk <= 16:
		if n <= kk {
			b = append(b, digits...)
			for j := n; j < kk; j++ {
				b = append(b, '0')
			}
			return append(b, ".0"...)
		}
		b = append(b, digits[:kk]...)
		b = append(b, '.')
		return append(b, digits[kk:]...)
	case -5 < kk && kk <= 0:
		b = append(b, "0."...)
		for j := kk; j < 0; j++ {
			b = append(b, '0')
		}
		return append(b, digits...)
	}
	b = append(b, digits[0])
	if n > 1 {
		b = append(b, '.')
		b = append(b, digits[1:]...)
	}
	b = append(b, 'e')
	return strconv.AppendInt(b, int64(exp), 10)
}

// jsonSafe marks the ASCII bytes a JSON string carries as they are.
var jsonSafe = func() (t [256]bool) {
	for c := 0x20; c < utf8.RuneSelf; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()

// plainASCII8 reports whether the 8 bytes of s need no escaping: none is
// below 0x20, a quote, a backslash or non-ASCII (the "has zero/less byte"
// word tests, exact for existence).
func plainASCII8(s string) bool {
	x := uint64(s[0]) | uint64(s[1])<<8 | uint64(s[2])<<16 | uint64(s[3])<<24 |
		uint64(s[4])<<32 | uint64(s[5])<<40 | uint64(s[6])<<48 | uint64(s[7])<<56
	const ones, highs = 0x0101010101010101, 0x8080808080808080
	hasZero := func(v uint64) uint64 { return (v - ones) & ^v & highs }
	bad := x&highs | (x-ones*0x20)&^x&highs | hasZero(x^(ones*'"')) | hasZero(x^(ones*'\\'))
	return bad == 0
}

// appendJSONString appends s as a JSON string; invalid UTF-8 bytes become
// U+FFFD so the text always parses. Runs of plain ASCII are copied at once:
// attribute values are mostly such runs, and a byte-at-a-time append was a
// third of a log record's translation in the profile.
func appendJSONString(b []byte, s string) []byte {
	const hexd = "0123456789abcdef"
	b = append(b, '"')
	for i := 0; i < len(s); {
		j := i
		for j+8 <= len(s) && plainASCII8(s[j:j+8]) {
			j += 8
		}
		for j < len(s) && jsonSafe[s[j]] {
			j++
		}
		b = append(b, s[i:j]...)
		if i = j; i >= len(s) {
			break
		}
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c == '"' || c == '\\':
				b = append(b, '\\', c)
			case c == '\n':
				b = append(b, '\\', 'n')
			case c == '\r':
				b = append(b, '\\', 'r')
			case c == '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hexd[c>>4], hexd[c&0xf])
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, "\ufffd"...)
		} else {
			b = append(b, s[i:i+size]...)
		}
		i += size
	}
	return append(b, '"')
}

// appendJSONBValue appends an AnyValue as GreptimeDB's
// otlp/utils.rs any_value_to_jsonb builds it for JSON columns: maps become
// objects with sorted keys (a BTreeMap, later duplicate wins), bytes become
// lower-case hex strings, an empty value is null.
func appendJSONBValue(b []byte, v pcommon.Value) []byte {
	switch v.Type() {
	case pcommon.ValueTypeStr:
		return appendJSONString(b, v.Str())
	case pcommon.ValueTypeInt:
		return strconv.AppendInt(b, v.Int(), 10)
	case pcommon.ValueTypeDouble:
		return appendJSONFloat(b, v.Double())
	case pcommon.ValueTypeBool:
		return strconv.AppendBool(b, v.Bool())
	case pcommon.ValueTypeBytes:
		b = append(b, '"')
		b = hex.AppendEncode(b, v.Bytes().AsRaw())
		return append(b, '"')
	case pcommon.ValueTypeSlice:
		s := v.Slice()
		b = append(b, '[')
		for i := 0; i < s.Len(); i++ {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendJSONBValue(b, s.At(i))
		}
		return append(b, ']')
	case pcommon.ValueTypeMap:
		return appendJSONBMap(b, v.Map())
	}
	return append(b, "null"...)
}

// appendJSONBMap appends attributes as a JSONB object: keys sorted, the last
// of duplicate keys kept (key_value_to_jsonb collects into a BTreeMap).
func appendJSONBMap(b []byte, m pcommon.Map) []byte {
	n := m.Len()
	if n == 0 {
		return append(b, "{}"...)
	}
	var small [16]jsonKV
	kvs := small[:0]
	for k, v := range m.All() {
		kvs = append(kvs, jsonKV{k, v})
	}
	// Sort by key, stably so a later duplicate lands after the earlier one:
	// insertion sort for the usual small maps, a merge sort for large ones.
	if len(kvs) <= 16 {
		for i := 1; i < len(kvs); i++ {
			for j := i; j > 0 && kvs[j-1].k > kvs[j].k; j-- {
				kvs[j-1], kvs[j] = kvs[j], kvs[j-1]
			}
		}
	} else {
		slices.SortStableFunc(kvs, func(a, b jsonKV) int { return strings.Compare(a.k, b.k) })
	}
	b = append(b, '{')
	first := true
	for i := range kvs {
		if i+1 < len(kvs) && kvs[i+1].k == kvs[i].k {
			continue // a later duplicate wins
		}
		if !first {
			b = append(b, ',')
		}
		first = false
		b = appendJSONString(b, kvs[i].k)
		b = append(b, ':')
		b = appendJSONBValue(b, kvs[i].v)
	}
	return append(b, '}')
}

// jsonKV is one attribute while a JSON object is being sorted.
type jsonKV struct {
	k string
	v pcommon.Value
}

// appendSerdeValue appends an AnyValue as GreptimeDB's OtlpAnyValue
// Serialize (trace/attributes.rs) prints it with serde_json, used for a
// non-string log body: maps keep their order and duplicates, bytes become
// an array of numbers, an empty value is null.
func appendSerdeValue(b []byte, v pcommon.Value) []byte {
	switch v.Type() {
	case pcommon.ValueTypeBytes:
		raw := v.Bytes().AsRaw()
		b = append(b, '[')
		for i, x := range raw {
			if i > 0 {
				b = append(b, ',')
			}
			b = strconv.AppendUint(b, uint64(x), 10)
		}
		return append(b, ']')
	case pcommon.ValueTypeSlice:
		s := v.Slice()
		b = append(b, '[')
		for i := 0; i < s.Len(); i++ {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendSerdeValue(b, s.At(i))
		}
		return append(b, ']')
	case pcommon.ValueTypeMap:
		b = append(b, '{')
		first := true
		for k, x := range v.Map().All() {
			if !first {
				b = append(b, ',')
			}
			first = false
			b = appendJSONString(b, k)
			b = append(b, ':')
			b = appendSerdeValue(b, x)
		}
		return append(b, '}')
	}
	return appendJSONBValue(b, v)
}

// appendHex appends lower-case hex of an ID (otlp/utils.rs
// bytes_to_hex_string); an empty ID gives "".
func appendHex(b []byte, id []byte) []byte { return hex.AppendEncode(b, id) }

// toValidUTF8 decodes bytes as Rust's String::from_utf8_lossy does.
func toValidUTF8(b []byte) string { return strings.ToValidUTF8(string(b), "\ufffd") }

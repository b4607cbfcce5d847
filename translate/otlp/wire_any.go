package otlp

import (
	"math"

	"go.opentelemetry.io/collector/pdata/pcommon"
)

// anyVal is a decoded AnyValue (common.proto: string_value 1, bool_value 2,
// int_value 3, double_value 4, array_value 5, kvlist_value 6, bytes_value 7,
// string_value_strindex 8). Strings and bytes are views into the request;
// an array or map keeps its (already validated) message bytes in raw.
type anyVal struct {
	typ pcommon.ValueType
	s   []byte
	i   int64
	f   float64
	b   bool
	raw []byte
}

// decodeAny decodes an AnyValue into v. Called again for a repeated
// occurrence it merges as pdata does (the last oneof member wins), because
// pdata unmarshals a repeated singular message into the same value.
// depth is pdata's: refused at maxAnyDepth.
func decodeAny(b []byte, depth int, v *anyVal) error {
	if depth >= maxAnyDepth {
		return errDepth
	}
	depth++
	r := wireReader{b: b}
	for r.more() {
		num, wt, err := r.tag()
		if err != nil {
			return err
		}
		switch num {
		case 1, 7:
			s, err := r.lenField(num, wt)
			if err != nil {
				return err
			}
			*v = anyVal{typ: pcommon.ValueTypeStr, s: s}
			if num == 7 {
				v.typ = pcommon.ValueTypeBytes
			}
		case 2, 3, 8:
			x, err := r.varField(num, wt)
			if err != nil {
				return err
			}
			switch num {
			case 2:
				*v = anyVal{typ: pcommon.ValueTypeBool, b: x != 0}
			case 3:
				*v = anyVal{typ: pcommon.ValueTypeInt, i: int64(x)}
			default:
				// A string-table index (profiles only): pdata's Value
				// reports it as empty.
				*v = anyVal{typ: pcommon.ValueTypeEmpty}
			}
		case 4:
			x, err := r.u64Field(num, wt)
			if err != nil {
				return err
			}
			*v = anyVal{typ: pcommon.ValueTypeDouble, f: math.Float64frombits(x)}
		case 5, 6:
			s, err := r.lenField(num, wt)
			if err != nil {
				return err
			}
			if num == 5 {
				err = forEachArrayValue(s, depth, nil)
				*v = anyVal{typ: pcommon.ValueTypeSlice, raw: s}
			} else {
				err = forEachKV(s, depth, nil)
				*v = anyVal{typ: pcommon.ValueTypeMap, raw: s}
			}
			if err != nil {
				return err
			}
		default:
			if err := r.skip(wt); err != nil {
				return err
			}
		}
	}
	return nil
}

// forEachArrayValue decodes an ArrayValue (values = 1), calling fn (when
// not nil) with each element.
func forEachArrayValue(b []byte, depth int, fn func(*anyVal) error) error {
	if depth >= maxAnyDepth {
		return errDepth
	}
	depth++
	r := wireReader{b: b}
	for r.more() {
		num, wt, err := r.tag()
		if err != nil {
			return err
		}
		if num != 1 {
			if err := r.skip(wt); err != nil {
				return err
			}
			continue
		}
		s, err := r.lenField(num, wt)
		if err != nil {
			return err
		}
		var v anyVal
		if err := decodeAny(s, depth, &v); err != nil {
			return err
		}
		if fn != nil {
			if err := fn(&v); err != nil {
				return err
			}
		}
	}
	return nil
}

// forEachKV decodes a KeyValueList (values = 1), calling fn (when not nil)
// with each entry.
func forEachKV(b []byte, depth int, fn func(key []byte, v *anyVal) error) error {
	if depth >= maxAnyDepth {
		return errDepth
	}
	depth++
	r := wireReader{b: b}
	for r.more() {
		num, wt, err := r.tag()
		if err != nil {
			return err
		}
		if num != 1 {
			if err := r.skip(wt); err != nil {
				return err
			}
			continue
		}
		s, err := r.lenField(num, wt)
		if err != nil {
			return err
		}
		var v anyVal
		key, err := decodeKV(s, depth, &v)
		if err != nil {
			return err
		}
		if fn != nil {
			if err := fn(key, &v); err != nil {
				return err
			}
		}
	}
	return nil
}

// decodeKV decodes a KeyValue (key = 1, value = 2, key_strindex = 3) into
// its key and v; depth is 0 for an attribute of a resource, scope, point or
// record, as in pdata.
func decodeKV(b []byte, depth int, v *anyVal) ([]byte, error) {
	if depth >= maxAnyDepth {
		return nil, errDepth
	}
	depth++
	// The value's AnyValue is one level deeper, and pdata refuses it there.
	if depth < maxAnyDepth {
		if key, ok := shortScalarKV(b, v); ok {
			return key, nil
		}
	}
	*v = anyVal{}
	var key []byte
	r := wireReader{b: b}
	for r.more() {
		num, wt, err := r.tag()
		if err != nil {
			return nil, err
		}
		switch num {
		case 1:
			if key, err = r.lenField(num, wt); err != nil {
				return nil, err
			}
		case 2:
			s, err := r.lenField(num, wt)
			if err != nil {
				return nil, err
			}
			if err := decodeAny(s, depth, v); err != nil {
				return nil, err
			}
		case 3:
			if _, err := r.varField(num, wt); err != nil {
				return nil, err
			}
		default:
			if err := r.skip(wt); err != nil {
				return nil, err
			}
		}
	}
	return key, nil
}

// attr returns the scalar view of v that metric tags use.
func (v *anyVal) attr() attrVal {
	switch v.typ {
	case pcommon.ValueTypeStr:
		return attrVal{typ: v.typ, s: bytesView(v.s)}
	case pcommon.ValueTypeInt:
		return attrVal{typ: v.typ, i: v.i}
	case pcommon.ValueTypeDouble:
		return attrVal{typ: v.typ, f: v.f}
	}
	return attrVal{typ: v.typ}
}

// shortScalarKV decodes the usual attribute encodings at once: key
// (field 1) and value (field 2) in either order (protobuf-go writes the
// key first, pdata's marshaler the value), each under 128 bytes and
// nothing else, the value holding only a string_value (field 1), a
// bool_value (2) or an int_value (3). It gives the general walk's result,
// which handles everything else; per attribute this halves the decoding
// work, and an HTTP server's status code and error flag are ints and
// bools (issue #12, otlp-logs and otlp-sum loads).
func shortScalarKV(b []byte, v *anyVal) ([]byte, bool) {
	f1, n1, ok := shortLen(b, 0)
	if !ok {
		return nil, false
	}
	f2, n2, ok := shortLen(b, 2+n1)
	if !ok || 4+n1+n2 != len(b) || f1 == f2 {
		return nil, false
	}
	key, val := b[2:2+n1], b[4+n1:]
	if f1 == 2 {
		key, val = val, b[2:2+n1]
	}
	if len(val) < 2 {
		return nil, false
	}
	switch val[0] {
	case 1<<3 | wtLen:
		sf, sn, ok := shortLen(val, 0)
		if !ok || sf != 1 || 2+sn != len(val) {
			return nil, false
		}
		*v = anyVal{typ: pcommon.ValueTypeStr, s: val[2:]}
	case 2<<3 | wtVarint, 3<<3 | wtVarint:
		r := wireReader{b: val, pos: 1}
		x, err := r.varint()
		if err != nil || r.pos != len(val) {
			return nil, false
		}
		if val[0]>>3 == 2 {
			*v = anyVal{typ: pcommon.ValueTypeBool, b: x != 0}
		} else {
			*v = anyVal{typ: pcommon.ValueTypeInt, i: int64(x)}
		}
	default:
		return nil, false
	}
	return key, true
}

// shortLen reads a one-byte key of field 1 or 2 with wire type LEN and a
// one-byte length at b[p:], returning the field and the length.
func shortLen(b []byte, p int) (field byte, n int, ok bool) {
	if p+2 > len(b) {
		return 0, 0, false
	}
	k, l := b[p], b[p+1]
	if (k != 1<<3|wtLen && k != 2<<3|wtLen) || l >= 0x80 || p+2+int(l) > len(b) {
		return 0, 0, false
	}
	return k >> 3, int(l), true
}

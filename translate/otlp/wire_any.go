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
	*v = anyVal{}
	if key, ok := shortStringKV(b, v); ok {
		return key, nil
	}
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
		return attrVal{typ: v.typ, s: view(v.s)}
	case pcommon.ValueTypeInt:
		return attrVal{typ: v.typ, i: v.i}
	case pcommon.ValueTypeDouble:
		return attrVal{typ: v.typ, f: v.f}
	}
	return attrVal{typ: v.typ}
}

// shortStringKV decodes the usual attribute encoding at once: key (field
// 1), then value (field 2) holding only string_value (field 1), each under
// 128 bytes and nothing else. It gives the general walk's result, which
// handles everything else; per attribute this halves the decoding work.
func shortStringKV(b []byte, v *anyVal) ([]byte, bool) {
	if len(b) < 4 || b[0] != 1<<3|wtLen || b[1] >= 0x80 {
		return nil, false
	}
	kl := int(b[1])
	p := 2 + kl
	if p+2 > len(b) || b[p] != 2<<3|wtLen || b[p+1] >= 0x80 {
		return nil, false
	}
	vl := int(b[p+1])
	vs := p + 2
	if vs+vl != len(b) || vl < 2 || b[vs] != 1<<3|wtLen || int(b[vs+1])+2 != vl {
		return nil, false
	}
	*v = anyVal{typ: pcommon.ValueTypeStr, s: b[vs+2 : vs+vl]}
	return b[2:p], true
}

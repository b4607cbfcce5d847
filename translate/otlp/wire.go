package otlp

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// The wire path decodes OTLP protobuf requests straight into the table
// model (no pdata objects). It accepts and refuses exactly what pdata's
// generated unmarshalers (collector/pdata internal/generated_proto_*.go,
// internal/proto/unmarshal.go) accept and refuse, so the two paths answer
// alike; the differential tests and FuzzWire* hold it to that.

// Protobuf wire types (protobuf encoding spec, "Message Structure").
const (
	wtVarint = 0
	wtI64    = 1
	wtLen    = 2
	wtSGroup = 3
	wtEGroup = 4
	wtI32    = 5
)

// maxAnyDepth is pdata's proto.RecursionLimit: KeyValue, AnyValue,
// ArrayValue and KeyValueList refuse to nest deeper.
const maxAnyDepth = 100

var (
	errTruncated  = errors.New("proto: unexpected end of data")
	errOverflow   = errors.New("proto: integer overflow")
	errDepth      = errors.New("proto: exceeded max recursion depth")
	errEndGroup   = errors.New("proto: unexpected end of group")
	errBadTraceID = errors.New("proto: trace id must be 16 bytes")
	errBadSpanID  = errors.New("proto: span id must be 8 bytes")
)

// wireReader walks one message's fields.
type wireReader struct {
	b   []byte
	pos int
}

func (r *wireReader) more() bool { return r.pos < len(r.b) }

// varint reads a base-128 varint; like pdata it refuses more than 64 bits
// of shift rather than checking the tenth byte's value.
func (r *wireReader) varint() (uint64, error) {
	var v uint64
	for shift := uint(0); ; shift += 7 {
		if shift >= 64 {
			return 0, errOverflow
		}
		if r.pos >= len(r.b) {
			return 0, errTruncated
		}
		c := r.b[r.pos]
		r.pos++
		v |= uint64(c&0x7f) << shift
		if c < 0x80 {
			return v, nil
		}
	}
}

// tag reads a field key; field number 0 (and anything that does not fit
// pdata's int32 as a positive number) is refused, as pdata ConsumeTag does.
// One-byte keys, every field this package reads, are decoded inline.
func (r *wireReader) tag() (num int32, wt int, err error) {
	if r.pos < len(r.b) {
		if k := r.b[r.pos]; k < 0x80 && k >= 8 {
			r.pos++
			return int32(k >> 3), int(k & 7), nil
		}
	}
	return r.tagSlow()
}

func (r *wireReader) tagSlow() (num int32, wt int, err error) {
	k, err := r.varint()
	if err != nil {
		return 0, 0, err
	}
	num = int32(k >> 3)
	if num <= 0 {
		return 0, 0, fmt.Errorf("proto: illegal field number %d", num)
	}
	return num, int(k & 7), nil
}

// bytes reads a length-delimited payload as a view into the request;
// lengths under 128 are decoded inline.
func (r *wireReader) bytes() ([]byte, error) {
	if r.pos < len(r.b) {
		if n := int(r.b[r.pos]); n < 0x80 && n < len(r.b)-r.pos {
			s := r.b[r.pos+1 : r.pos+1+n]
			r.pos += 1 + n
			return s, nil
		}
	}
	return r.bytesSlow()
}

func (r *wireReader) bytesSlow() ([]byte, error) {
	n, err := r.varint()
	if err != nil {
		return nil, err
	}
	if n > uint64(len(r.b)-r.pos) {
		return nil, errTruncated
	}
	s := r.b[r.pos : r.pos+int(n)]
	r.pos += int(n)
	return s, nil
}

func (r *wireReader) fixed64() (uint64, error) {
	if len(r.b)-r.pos < 8 {
		return 0, errTruncated
	}
	v := binary.LittleEndian.Uint64(r.b[r.pos:])
	r.pos += 8
	return v, nil
}

func (r *wireReader) fixed32() (uint32, error) {
	if len(r.b)-r.pos < 4 {
		return 0, errTruncated
	}
	v := binary.LittleEndian.Uint32(r.b[r.pos:])
	r.pos += 4
	return v, nil
}

// skip passes over an unknown field with pdata's ConsumeUnknown semantics:
// a group is scanned tag by tag until a scalar or length-delimited field
// completes it or the matching end closes it; an end-group at depth 0 and
// wire types 6 and 7 are errors.
func (r *wireReader) skip(wt int) error {
	depth := 0
	for r.pos < len(r.b) {
		var err error
		switch wt {
		case wtVarint:
			_, err = r.varint()
			return err
		case wtI64:
			_, err = r.fixed64()
			return err
		case wtLen:
			_, err = r.bytes()
			return err
		case wtI32:
			_, err = r.fixed32()
			return err
		case wtSGroup:
			depth++
		case wtEGroup:
			if depth == 0 {
				return errEndGroup
			}
			depth--
		default:
			return fmt.Errorf("proto: illegal wire type %d", wt)
		}
		if depth == 0 {
			return nil
		}
		if _, wt, err = r.tag(); err != nil {
			return err
		}
	}
	return errTruncated
}

// want refuses a known field carried with another wire type, as pdata does.
func want(num int32, wt, expect int) error {
	if wt != expect {
		return wrongType(num, wt)
	}
	return nil
}

func wrongType(num int32, wt int) error {
	return fmt.Errorf("proto: wrong wire type %d for field %d", wt, num)
}

// lenField checks the wire type of a length-delimited field and reads it.
func (r *wireReader) lenField(num int32, wt int) ([]byte, error) {
	if wt != wtLen {
		return nil, wrongType(num, wt)
	}
	return r.bytes()
}

// u64Field checks and reads a fixed64 field.
func (r *wireReader) u64Field(num int32, wt int) (uint64, error) {
	if wt != wtI64 {
		return 0, wrongType(num, wt)
	}
	return r.fixed64()
}

// varField checks and reads a varint field.
func (r *wireReader) varField(num int32, wt int) (uint64, error) {
	if err := want(num, wt, wtVarint); err != nil {
		return 0, err
	}
	return r.varint()
}

// checkID accepts an absent or correctly sized ID (pdata TraceID/SpanID
// UnmarshalProto).
func checkID(b []byte, size int, bad error) error {
	if len(b) != 0 && len(b) != size {
		return bad
	}
	return nil
}

package greptimetest

import (
	"encoding/binary"
	"fmt"
	"unicode/utf8"

	gpb "github.com/GreptimeTeam/greptime-proto/go/greptime/v1"
	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/reflect/protoreflect"
)

// valueField describes one variant of greptime.v1.Value's value_data oneof
// for the walker: the wire type it is declared with, the ColumnDataType
// protoValueType gives it, and how its payload is checked.
type valueField struct {
	known bool
	typ   protowire.Type
	kind  uint8
	utf8  bool // a string: protobuf-go validates UTF-8
	flat  bool // a message of scalars only: checked for wire format
	deep  bool // a message holding values (list, struct, JSON): full decode
}

// valueFields is indexed by field number. It is derived from the
// generated descriptor and protoValueType, so it cannot drift from either.
var valueFields = buildValueFields()

func buildValueFields() []valueField {
	oneof := (&gpb.Value{}).ProtoReflect().Descriptor().Oneofs().ByName("value_data")
	fds := oneof.Fields()
	maxNum := 0
	for i := range fds.Len() {
		maxNum = max(maxNum, int(fds.Get(i).Number()))
	}
	out := make([]valueField, maxNum+1)
	for i := range fds.Len() {
		fd := fds.Get(i)
		v := &gpb.Value{}
		m := v.ProtoReflect()
		m.Set(fd, m.NewField(fd))
		t, ok := protoValueType(v)
		if !ok {
			panic(fmt.Sprintf("greptimetest: Value variant %s has no value type", fd.Name()))
		}
		f := valueField{known: true, kind: uint8(t), typ: wireType(fd.Kind())}
		switch fd.Kind() {
		case protoreflect.StringKind:
			f.utf8 = true
		case protoreflect.MessageKind:
			f.flat = scalarOnly(fd.Message())
			f.deep = !f.flat
		}
		out[fd.Number()] = f
	}
	return out
}

// wireType is the wire type protobuf encodes a field kind with.
func wireType(k protoreflect.Kind) protowire.Type {
	switch k {
	case protoreflect.FloatKind, protoreflect.Fixed32Kind, protoreflect.Sfixed32Kind:
		return protowire.Fixed32Type
	case protoreflect.DoubleKind, protoreflect.Fixed64Kind, protoreflect.Sfixed64Kind:
		return protowire.Fixed64Type
	case protoreflect.StringKind, protoreflect.BytesKind, protoreflect.MessageKind:
		return protowire.BytesType
	case protoreflect.GroupKind:
		return protowire.StartGroupType
	}
	return protowire.VarintType
}

// scalarOnly reports a message whose fields are all numbers or bools
// (Decimal128, IntervalMonthDayNano): checking its wire format is all
// protobuf-go's decoding checks.
func scalarOnly(md protoreflect.MessageDescriptor) bool {
	fs := md.Fields()
	for i := range fs.Len() {
		switch fs.Get(i).Kind() {
		case protoreflect.StringKind, protoreflect.BytesKind, protoreflect.MessageKind, protoreflect.GroupKind:
			return false
		}
	}
	return true
}

// walkValue returns the variant of one Value (kindNull when none is set):
// the last variant field with its declared wire type wins, as in
// protobuf-go; other fields are unknown and skipped. Payloads are skipped
// after the checks protobuf-go makes: varint and fixed lengths, UTF-8 of
// strings, wire format of nested scalar messages.
func walkValue(b []byte) (uint8, error) {
	kind := kindNull
	for len(b) > 0 {
		// consumeTag and consumeBytes by hand: they are too big to inline,
		// and this loop runs for every value.
		var num protowire.Number
		var typ protowire.Type
		n := 1
		if c := b[0]; c-8 < 0x80-8 { // a one-byte tag, field number not 0
			num, typ = protowire.Number(c>>3), protowire.Type(c&7)
		} else if num, typ, n = consumeLongTag(b); n < 0 {
			return 0, errWire
		}
		b = b[n:]
		if int(num) >= len(valueFields) || !valueFields[num].known || valueFields[num].typ != typ {
			if n = protowire.ConsumeFieldValue(num, typ, b); n < 0 {
				return 0, errWire
			}
			b = b[n:]
			continue
		}
		f := &valueFields[num]
		switch typ {
		case protowire.VarintType:
			n = varintLen(b)
		case protowire.Fixed32Type:
			n = fixedLen(b, 4)
		case protowire.Fixed64Type:
			n = fixedLen(b, 8)
		default:
			var v []byte
			if len(b) > 0 && b[0] < 0x80 && int(b[0]) < len(b) {
				v, n = b[1:1+int(b[0])], 1+int(b[0])
			} else if v, n = protowire.ConsumeBytes(b); n < 0 {
				return 0, errWire
			}
			switch {
			case f.deep:
				return 0, errFallback
			case f.utf8 && !validUTF8(v):
				return 0, errUTF8
			case f.flat && !wellFormed(v):
				return 0, errWire
			}
		}
		if n < 0 {
			return 0, errWire
		}
		kind = f.kind
		b = b[n:]
	}
	return kind, nil
}

// varintLen is the length of the varint at the start of b, -1 when it is
// truncated or longer than protobuf allows.
func varintLen(b []byte) int {
	if len(b) > 0 && b[0] < 0x80 {
		return 1
	}
	_, n := protowire.ConsumeVarint(b)
	return n
}

func fixedLen(b []byte, n int) int {
	if len(b) < n {
		return -1
	}
	return n
}

// wellFormed reports whether b is a well-formed message of any fields.
func wellFormed(b []byte) bool {
	for len(b) > 0 {
		num, typ, n := consumeTag(b)
		if n < 0 {
			return false
		}
		b = b[n:]
		if n = protowire.ConsumeFieldValue(num, typ, b); n < 0 {
			return false
		}
		b = b[n:]
	}
	return true
}

// validUTF8 is utf8.Valid with a fast path for the usual label value, a
// short ASCII string: up to 16 bytes are checked with two overlapping
// word loads. utf8.Valid was a third of the walk's CPU in the profile of
// BenchmarkPromShapedInsert/load (0.50 s of 1.38 s in walkValue).
func validUTF8(b []byte) bool {
	const hi64, hi32 = 0x8080808080808080, 0x80808080
	switch n := len(b); {
	case n >= 8 && n <= 16:
		if (binary.LittleEndian.Uint64(b)|binary.LittleEndian.Uint64(b[n-8:]))&hi64 == 0 {
			return true
		}
	case n >= 4 && n < 8:
		if (binary.LittleEndian.Uint32(b)|binary.LittleEndian.Uint32(b[n-4:]))&hi32 == 0 {
			return true
		}
	case n < 4:
		var or byte
		for _, c := range b {
			or |= c
		}
		if or < 0x80 {
			return true
		}
	}
	return utf8.Valid(b)
}

package prom

import (
	"encoding/binary"
	"errors"
	"math"
)

// Protobuf wire types (protobuf encoding spec).
const (
	wireVarint = 0
	wireI64    = 1
	wireLen    = 2
	wireI32    = 5
)

var (
	errTruncated = errors.New("truncated protobuf message")
	errOverflow  = errors.New("protobuf varint overflows 64 bits")
	errWireType  = errors.New("invalid protobuf wire type")
	errFieldNum  = errors.New("invalid protobuf field number")
)

// varint reads a base-128 varint at b[i:], returning the value and the next
// offset. The one-byte case is inlined by the caller's hot loop.
func varint(b []byte, i int) (uint64, int, error) {
	var x uint64
	var s uint
	for j := 0; j < 10; j++ {
		if i >= len(b) {
			return 0, i, errTruncated
		}
		c := b[i]
		i++
		if c < 0x80 {
			if j == 9 && c > 1 {
				return 0, i, errOverflow
			}
			return x | uint64(c)<<s, i, nil
		}
		x |= uint64(c&0x7f) << s
		s += 7
	}
	return 0, i, errOverflow
}

// tag reads a field key, returning field number and wire type.
func tag(b []byte, i int) (num int, typ int, next int, err error) {
	if i < len(b) && b[i] < 0x80 {
		k := b[i]
		num, typ = int(k>>3), int(k&7)
		if num == 0 {
			return 0, 0, i, errFieldNum
		}
		return num, typ, i + 1, nil
	}
	k, next, err := varint(b, i)
	if err != nil {
		return 0, 0, next, err
	}
	if k>>3 == 0 || k>>3 > math.MaxInt32 {
		return 0, 0, next, errFieldNum
	}
	return int(k >> 3), int(k & 7), next, nil
}

// lenField reads a length prefix at b[i:] and returns the field's bounds.
func lenField(b []byte, i int) (start, end int, err error) {
	var n uint64
	if i < len(b) && b[i] < 0x80 {
		n = uint64(b[i])
		i++
	} else {
		n, i, err = varint(b, i)
		if err != nil {
			return 0, 0, err
		}
	}
	if n > uint64(len(b)-i) {
		return 0, 0, errTruncated
	}
	return i, i + int(n), nil
}

// skip skips a field of wire type typ at b[i:].
func skip(b []byte, i, typ int) (int, error) {
	switch typ {
	case wireVarint:
		_, next, err := varint(b, i)
		return next, err
	case wireI64:
		if len(b)-i < 8 {
			return i, errTruncated
		}
		return i + 8, nil
	case wireLen:
		_, end, err := lenField(b, i)
		return end, err
	case wireI32:
		if len(b)-i < 4 {
			return i, errTruncated
		}
		return i + 4, nil
	}
	return i, errWireType
}

// fixed64 reads a little-endian 8-byte value.
func fixed64(b []byte, i int) (uint64, int, error) {
	if len(b)-i < 8 {
		return 0, i, errTruncated
	}
	return binary.LittleEndian.Uint64(b[i:]), i + 8, nil
}

// zigzag decodes a sint32/sint64 varint.
func zigzag(u uint64) int64 { return int64(u>>1) ^ -int64(u&1) }

package writer

import (
	"encoding/binary"
	"math"

	"google.golang.org/protobuf/encoding/protowire"

	"github.com/greptime-bridge/greptime-bridge/writer/table"
)

// colEnc is one column as the row encoder reads it: the Value member's tag
// and the column's backing slices, taken once per batch so the per-cell
// work touches no method and no interface.
type colEnc struct {
	kind  cellKind
	tag   [2]byte
	tagN  int    // 1 or 2: members 16 and up need a two-byte tag
	valid []byte // validity bitmap, nil when no value is NULL

	ints   []int64
	uints  []uint64
	floats []float64
	bools  []bool
	offs   []int32
	data   []byte
	decs   []table.Decimal128Value
	mdns   []table.IntervalMDN
}

func (ce *colEnc) set(c *table.Column) {
	f := valueField[c.Type]
	t := protowire.AppendTag(ce.tag[:0], f.num, wireTypeOf(f.kind))
	*ce = colEnc{kind: f.kind, tag: ce.tag, tagN: len(t), valid: c.ValidityBitmap()}
	// Only the column's own storage is read: the column is usually cold
	// (one of thousands in a flush) and each other slice is another cache
	// line.
	switch c.Type.Storage() {
	case table.StorageInt:
		ce.ints = c.Int64s()
	case table.StorageUint:
		ce.uints = c.Uint64s()
	case table.StorageFloat:
		ce.floats = c.Float64s()
	case table.StorageBool:
		ce.bools = c.Bools()
	case table.StorageBytes:
		ce.offs, ce.data = c.BytesData()
	case table.StorageDecimal:
		ce.decs = c.Decimals()
	case table.StorageMDN:
		ce.mdns = c.IntervalMDNs()
	}
}

func (ce *colEnc) null(r int) bool {
	return ce.valid != nil && ce.valid[r>>3]&(1<<(uint(r)&7)) == 0
}

// nullEntry is the size of a NULL cell in a Row: a Value with no
// value_data is an empty message (row.proto; operator/src/req_convert/common.rs
// reads it as NULL).
const nullEntry = 2

// addSizes adds the size of every cell of the column, as a Row.values
// entry, to rowLens, one loop per kind so no cell pays for a type switch.
func (ce *colEnc) addSizes(rowLens []int) {
	fixed := 0
	switch ce.kind {
	case kindBool:
		fixed = ce.tagN + 1
	case kindF32:
		fixed = ce.tagN + 4
	case kindF64:
		fixed = ce.tagN + 8
	case kindVarint:
		for r := range rowLens {
			if ce.null(r) {
				rowLens[r] += nullEntry
				continue
			}
			// int32 members hold values validated to fit, whose int64 form
			// is the sign-extended varint protobuf writes for a negative
			// int32.
			rowLens[r] += sizeBytesField(ce.tagN + protowire.SizeVarint(uint64(ce.ints[r])))
		}
		return
	case kindUvarint:
		for r := range rowLens {
			if ce.null(r) {
				rowLens[r] += nullEntry
				continue
			}
			rowLens[r] += sizeBytesField(ce.tagN + protowire.SizeVarint(ce.uints[r]))
		}
		return
	case kindBytes:
		offs := ce.offs[:len(rowLens)+1]
		for r := range rowLens {
			if ce.null(r) {
				rowLens[r] += nullEntry
				continue
			}
			n := int(offs[r+1] - offs[r])
			rowLens[r] += sizeBytesField(ce.tagN + protowire.SizeVarint(uint64(n)) + n)
		}
		return
	default:
		for r := range rowLens {
			if ce.null(r) {
				rowLens[r] += nullEntry
				continue
			}
			rowLens[r] += sizeBytesField(ce.valueSize(r))
		}
		return
	}
	entry := sizeBytesField(fixed)
	for r := range rowLens {
		if ce.null(r) {
			rowLens[r] += nullEntry
		} else {
			rowLens[r] += entry
		}
	}
}

// valueSize is the size of cell r's non-NULL Value message.
func (ce *colEnc) valueSize(r int) int {
	switch ce.kind {
	case kindVarint:
		return ce.tagN + protowire.SizeVarint(uint64(ce.ints[r]))
	case kindUvarint:
		return ce.tagN + protowire.SizeVarint(ce.uints[r])
	case kindBool:
		return ce.tagN + 1
	case kindF32:
		return ce.tagN + 4
	case kindF64:
		return ce.tagN + 8
	case kindBytes:
		n := int(ce.offs[r+1] - ce.offs[r])
		return ce.tagN + protowire.SizeVarint(uint64(n)) + n
	case kindMDN:
		return ce.tagN + sizeBytesField(mdnSize(ce.mdns[r])) - 1
	case kindDecimal:
		return ce.tagN + sizeBytesField(decimalSize(ce.decs[r])) - 1
	}
	return 0
}

// mdnSize is the size of an IntervalMonthDayNano message (common.proto).
func mdnSize(m table.IntervalMDN) int {
	n := int32Size(m.Months) + int32Size(m.Days)
	if m.Nanoseconds != 0 {
		n += 1 + protowire.SizeVarint(uint64(m.Nanoseconds))
	}
	return n
}

// decimalSize is the size of a Decimal128 message: hi is the upper and lo
// the lower 64 bits of the two's complement mantissa (Rust ingester
// helpers/values.rs), both int64 on the wire.
func decimalSize(d table.Decimal128Value) int {
	n := 0
	if d.Hi != 0 {
		n += 1 + protowire.SizeVarint(uint64(d.Hi))
	}
	if d.Lo != 0 {
		n += 1 + protowire.SizeVarint(d.Lo)
	}
	return n
}

// writeCells writes every cell of the column into its row of buf: pos[r]
// is where row r's next value goes and moves past what is written. Rows
// are filled column by column, so each column is one tight loop over its
// own slice instead of a type switch per cell.
func (ce *colEnc) writeCells(buf []byte, pos []int) {
	switch ce.kind {
	case kindVarint:
		for r, p := range pos {
			if ce.null(r) {
				pos[r] = putNull(buf, p)
				continue
			}
			v := uint64(ce.ints[r])
			p = ce.putShortHead(buf, p, ce.tagN+protowire.SizeVarint(v))
			pos[r] = p + binary.PutUvarint(buf[p:], v)
		}
	case kindUvarint:
		for r, p := range pos {
			if ce.null(r) {
				pos[r] = putNull(buf, p)
				continue
			}
			v := ce.uints[r]
			p = ce.putShortHead(buf, p, ce.tagN+protowire.SizeVarint(v))
			pos[r] = p + binary.PutUvarint(buf[p:], v)
		}
	case kindF64:
		for r, p := range pos {
			if ce.null(r) {
				pos[r] = putNull(buf, p)
				continue
			}
			p = ce.putShortHead(buf, p, ce.tagN+8)
			binary.LittleEndian.PutUint64(buf[p:], math.Float64bits(ce.floats[r]))
			pos[r] = p + 8
		}
	case kindBytes:
		for r, p := range pos {
			if ce.null(r) {
				pos[r] = putNull(buf, p)
				continue
			}
			v := ce.data[ce.offs[r]:ce.offs[r+1]]
			if len(v) < 0x80-2 && ce.tagN == 1 {
				// The common cell, a tag value or an ID: entry length,
				// member tag and value length are a byte each, written
				// here rather than through putValueHead (see
				// putShortHead).
				h := buf[p : p+4]
				h[0], h[1], h[2], h[3] = tagRowValue, byte(len(v)+2), ce.tag[0], byte(len(v))
				pos[r] = p + 4 + copy(buf[p+4:], v)
				continue
			}
			p = ce.putValueHead(buf, p, ce.tagN+protowire.SizeVarint(uint64(len(v)))+len(v))
			p += binary.PutUvarint(buf[p:], uint64(len(v)))
			pos[r] = p + copy(buf[p:], v)
		}
	default:
		for r, p := range pos {
			if ce.null(r) {
				pos[r] = putNull(buf, p)
				continue
			}
			pos[r] = p + copy(buf[p:], ce.appendCell(buf[p:p], r))
		}
	}
}

// putNull writes a NULL cell at p and returns the position after it.
func putNull(buf []byte, p int) int {
	buf[p], buf[p+1] = tagRowValue, 0
	return p + nullEntry
}

// putShortHead is putValueHead for an entry of under 128 bytes followed
// by at least one payload byte, as every varint and fixed-width cell is:
// it has no call in it, so it is inlined into writeCells' loops. A call
// per cell to putValueHead was 4% of the bridge's CPU under otlp-logs
// load (0.27 s of 6.76 s, profile of main 00a30f8; issue #12). The
// member tag's second byte is written even for a one-byte tag: the
// payload then overwrites it.
func (ce *colEnc) putShortHead(buf []byte, p, size int) int {
	h := buf[p : p+4]
	h[0], h[1], h[2], h[3] = tagRowValue, byte(size), ce.tag[0], ce.tag[1]
	return p + 2 + ce.tagN
}

// putValueHead writes a Row.values entry's tag and length and the Value
// member's tag at p and returns the position of the member's payload.
func (ce *colEnc) putValueHead(buf []byte, p, size int) int {
	buf[p] = tagRowValue
	p++
	if size < 0x80 {
		buf[p] = byte(size)
		p++
	} else {
		p += binary.PutUvarint(buf[p:], uint64(size))
	}
	buf[p] = ce.tag[0]
	if ce.tagN == 2 {
		buf[p+1] = ce.tag[1]
	}
	return p + ce.tagN
}

// appendCell appends non-NULL cell r as a Row.values entry: the general
// path, for the kinds writeCells has no loop of its own for.
func (ce *colEnc) appendCell(b []byte, r int) []byte {
	b = appendLen(b, tagRowValue, ce.valueSize(r))
	b = append(b, ce.tag[:ce.tagN]...)
	switch ce.kind {
	case kindVarint:
		return protowire.AppendVarint(b, uint64(ce.ints[r]))
	case kindUvarint:
		return protowire.AppendVarint(b, ce.uints[r])
	case kindBool:
		if ce.bools[r] {
			return append(b, 1)
		}
		return append(b, 0)
	case kindF32:
		return binary.LittleEndian.AppendUint32(b, math.Float32bits(float32(ce.floats[r])))
	case kindF64:
		return binary.LittleEndian.AppendUint64(b, math.Float64bits(ce.floats[r]))
	case kindBytes:
		v := ce.data[ce.offs[r]:ce.offs[r+1]]
		return append(protowire.AppendVarint(b, uint64(len(v))), v...)
	case kindMDN:
		m := ce.mdns[r]
		b = protowire.AppendVarint(b, uint64(mdnSize(m)))
		b = appendInt32(appendInt32(b, tagMDNMonths, m.Months), tagMDNDays, m.Days)
		if m.Nanoseconds != 0 {
			b = protowire.AppendVarint(append(b, tagMDNNanos), uint64(m.Nanoseconds))
		}
		return b
	case kindDecimal:
		d := ce.decs[r]
		b = protowire.AppendVarint(b, uint64(decimalSize(d)))
		if d.Hi != 0 {
			b = protowire.AppendVarint(append(b, tagDecimalHi), uint64(d.Hi))
		}
		if d.Lo != 0 {
			b = protowire.AppendVarint(append(b, tagDecimalLo), d.Lo)
		}
		return b
	}
	return b
}

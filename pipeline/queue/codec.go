package queue

import (
	"encoding/binary"
	"errors"
	"math"

	"github.com/greptime-bridge/greptime-bridge/translate"
	"github.com/greptime-bridge/greptime-bridge/writer/table"
)

// The record payload is the queue's own compact encoding of a translated
// request's batches rather than the writer's row-insert protobuf: it keeps
// what a row insert cannot carry (CreateSQL, AlterSQL, JSONChecked) and
// decodes straight back into table.Batch without a second model. Version 2
// adds the request's source (translate.Source), kept for logs and traces so
// the drainer can translate them again when their table changed behind the
// bridge; version 1 records (batches only) are still read.
//
//	payload := version(1) appendedUnixNano(8) [source] uvarint(batches) batch*
//	source  := str(signal) [uvarint(options) (str str)* str(body)]   version 2;
//	           an empty signal ends it: the record has no source
//	batch   := str(db) str(table) uvarint(hints) (str str)* str(createSQL)
//	           uvarint(alters) str* uvarint(rows) uvarint(cols) column*
//	column  := str(name) uvarint(type) uvarint(semantic) flags(1)
//	           varint(precision) varint(scale) uvarint(vectorDim)
//	           [uvarint(options) (str str)*]   if flags&flagOptions
//	           [bitmap((rows+7)/8)]            if flags&flagNulls
//	           uvarint(len) values             one per row, NULL slots too
//
// values by storage: int zigzag varint, uint uvarint, float 8 bytes of
// IEEE bits (NaN payloads kept), bool 1 byte, bytes uvarint length + data,
// decimal and month-day-nano 16 bytes.
const (
	codecVersion1 = 1 // batches only, written before the source was kept
	codecVersion  = 2
)

const (
	flagJSONChecked = 1 << iota
	flagOptions
	flagNulls
)

// errCorruptRecord marks a payload that passed its checksum but does not
// decode: written by another version, or a checksum collision.
var errCorruptRecord = errors.New("queue record does not decode")

// appendRecord encodes src (nil: none) and out's non-empty batches after
// buf and returns it.
func appendRecord(buf []byte, out *translate.Output, src *translate.Source, appendedUnixNano int64) []byte {
	buf = append(buf, codecVersion)
	buf = binary.LittleEndian.AppendUint64(buf, uint64(appendedUnixNano))
	buf = appendSource(buf, src)
	n := 0
	for _, b := range out.Batches {
		if b.Rows() > 0 {
			n++
		}
	}
	buf = binary.AppendUvarint(buf, uint64(n))
	for _, b := range out.Batches {
		if b.Rows() > 0 {
			buf = appendBatch(buf, b)
		}
	}
	return buf
}

func appendSource(buf []byte, src *translate.Source) []byte {
	if src == nil || src.Signal == "" {
		return appendStr(buf, "")
	}
	buf = appendStr(buf, src.Signal)
	buf = binary.AppendUvarint(buf, uint64(len(src.Options)))
	for _, o := range src.Options {
		buf = appendStr(appendStr(buf, o.Name), o.Value)
	}
	buf = binary.AppendUvarint(buf, uint64(len(src.Payload)))
	return append(buf, src.Payload...)
}

func appendStr(buf []byte, s string) []byte {
	buf = binary.AppendUvarint(buf, uint64(len(s)))
	return append(buf, s...)
}

func appendBatch(buf []byte, b *table.Batch) []byte {
	buf = appendStr(buf, b.Database)
	buf = appendStr(buf, b.Table)
	buf = binary.AppendUvarint(buf, uint64(len(b.Hints)))
	for _, h := range b.Hints {
		buf = appendStr(appendStr(buf, h.Key), h.Value)
	}
	buf = appendStr(buf, b.CreateSQL)
	buf = binary.AppendUvarint(buf, uint64(len(b.AlterSQL)))
	for _, s := range b.AlterSQL {
		buf = appendStr(buf, s)
	}
	rows := b.Rows()
	buf = binary.AppendUvarint(buf, uint64(rows))
	buf = binary.AppendUvarint(buf, uint64(b.NumColumns()))
	for _, c := range b.Columns() {
		buf = appendColumn(buf, c, rows)
	}
	return buf
}

func appendColumn(buf []byte, c *table.Column, rows int) []byte {
	buf = appendStr(buf, c.Name)
	buf = binary.AppendUvarint(buf, uint64(c.Type))
	buf = binary.AppendUvarint(buf, uint64(c.Semantic))
	var flags byte
	if c.JSONChecked {
		flags |= flagJSONChecked
	}
	if c.Options != nil {
		flags |= flagOptions
	}
	bitmap := c.ValidityBitmap()
	if bitmap != nil {
		flags |= flagNulls
	}
	buf = append(buf, flags)
	buf = binary.AppendVarint(buf, int64(c.Precision))
	buf = binary.AppendVarint(buf, int64(c.Scale))
	buf = binary.AppendUvarint(buf, uint64(c.VectorDim))
	if c.Options != nil {
		buf = binary.AppendUvarint(buf, uint64(len(c.Options)))
		for k, v := range c.Options {
			buf = appendStr(appendStr(buf, k), v)
		}
	}
	if bitmap != nil {
		buf = append(buf, bitmap[:(rows+7)>>3]...)
	}
	// The values' length is written in front of them so the decoder can
	// walk every column of a row at once; reserve the widest uvarint and
	// move the values back after measuring them.
	lenAt := len(buf)
	buf = append(buf, make([]byte, binary.MaxVarintLen64)...)
	start := len(buf)
	switch c.Type.Storage() {
	case table.StorageInt:
		for _, v := range c.Int64s()[:rows] {
			buf = binary.AppendVarint(buf, v)
		}
	case table.StorageUint:
		for _, v := range c.Uint64s()[:rows] {
			buf = binary.AppendUvarint(buf, v)
		}
	case table.StorageFloat:
		for _, v := range c.Float64s()[:rows] {
			buf = binary.LittleEndian.AppendUint64(buf, math.Float64bits(v))
		}
	case table.StorageBool:
		for _, v := range c.Bools()[:rows] {
			if v {
				buf = append(buf, 1)
			} else {
				buf = append(buf, 0)
			}
		}
	case table.StorageBytes:
		offs, data := c.BytesData()
		for i := range rows {
			v := data[offs[i]:offs[i+1]]
			buf = binary.AppendUvarint(buf, uint64(len(v)))
			buf = append(buf, v...)
		}
	case table.StorageDecimal:
		for _, v := range c.Decimals()[:rows] {
			buf = binary.LittleEndian.AppendUint64(buf, v.Lo)
			buf = binary.LittleEndian.AppendUint64(buf, uint64(v.Hi))
		}
	case table.StorageMDN:
		for _, v := range c.IntervalMDNs()[:rows] {
			buf = binary.LittleEndian.AppendUint32(buf, uint32(v.Months))
			buf = binary.LittleEndian.AppendUint32(buf, uint32(v.Days))
			buf = binary.LittleEndian.AppendUint64(buf, uint64(v.Nanoseconds))
		}
	}
	n := len(buf) - start
	var tmp [binary.MaxVarintLen64]byte
	w := binary.PutUvarint(tmp[:], uint64(n))
	copy(buf[lenAt:], tmp[:w])
	copy(buf[lenAt+w:], buf[start:])
	return buf[:lenAt+w+n]
}

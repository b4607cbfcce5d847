package queue

import (
	"encoding/binary"
	"fmt"
	"math"

	"github.com/greptime-bridge/greptime-bridge/translate"
	"github.com/greptime-bridge/greptime-bridge/writer/table"
)

// recordTime returns when a payload was appended.
func recordTime(p []byte) (int64, error) {
	if len(p) < 9 || (p[0] != codecVersion && p[0] != codecVersion1) {
		return 0, fmt.Errorf("%w: bad header", errCorruptRecord)
	}
	return int64(binary.LittleEndian.Uint64(p[1:9])), nil
}

// decodeRecord appends the batches of payload p to out (reset by the
// caller when it wants only this record). Every count and length is
// checked against the bytes left, so a corrupt payload cannot make it
// allocate more than a small multiple of len(p).
func decodeRecord(p []byte, out *translate.Output) error {
	if _, err := recordTime(p); err != nil {
		return err
	}
	d := decoder{p: p, off: 9}
	if p[0] >= codecVersion {
		d.source(nil)
	}
	n := d.count(1)
	for i := 0; i < n && d.err == nil; i++ {
		d.batch(out)
	}
	if d.err == nil && d.off != len(p) {
		d.fail("%d trailing bytes", len(p)-d.off)
	}
	return d.err
}

// recordSource returns the source kept in payload p, or nil when it has
// none (a version 1 record, or a request kept without one). Its Payload
// aliases p. It does not check the batches that follow: decodeRecord does.
func recordSource(p []byte) (*translate.Source, error) {
	if _, err := recordTime(p); err != nil {
		return nil, err
	}
	if p[0] < codecVersion {
		return nil, nil
	}
	d := decoder{p: p, off: 9}
	var src translate.Source
	d.source(&src)
	if d.err != nil {
		return nil, d.err
	}
	if src.Signal == "" {
		return nil, nil
	}
	return &src, nil
}

type decoder struct {
	p   []byte
	off int
	err error
}

func (d *decoder) fail(format string, args ...any) {
	if d.err == nil {
		d.err = fmt.Errorf("%w at byte %d: %s", errCorruptRecord, d.off, fmt.Sprintf(format, args...))
	}
}

func (d *decoder) uvarint() uint64 {
	if d.err != nil {
		return 0
	}
	v, n := binary.Uvarint(d.p[d.off:])
	if n <= 0 {
		d.fail("bad varint")
		return 0
	}
	d.off += n
	return v
}

func (d *decoder) varint() int64 {
	if d.err != nil {
		return 0
	}
	v, n := binary.Varint(d.p[d.off:])
	if n <= 0 {
		d.fail("bad varint")
		return 0
	}
	d.off += n
	return v
}

// count reads a count of items that take at least minBytes each.
func (d *decoder) count(minBytes int) int {
	v := d.uvarint()
	if v > uint64(len(d.p)-d.off)/uint64(minBytes) {
		d.fail("count %d exceeds the bytes left", v)
		return 0
	}
	return int(v)
}

func (d *decoder) bytes(n int) []byte {
	if d.err != nil {
		return nil
	}
	if n < 0 || n > len(d.p)-d.off {
		d.fail("length %d exceeds the bytes left", n)
		return nil
	}
	b := d.p[d.off : d.off+n]
	d.off += n
	return b
}

func (d *decoder) str() string { return string(d.bytes(d.count(1))) }

// source reads a record's source into src, or past it when src is nil.
func (d *decoder) source(src *translate.Source) {
	signal := d.bytes(d.count(1))
	if len(signal) == 0 {
		return
	}
	n := d.count(2)
	var opts []translate.SourceOption
	if src != nil && n > 0 {
		opts = make([]translate.SourceOption, 0, n)
	}
	for range n {
		name, value := d.bytes(d.count(1)), d.bytes(d.count(1))
		if src != nil {
			opts = append(opts, translate.SourceOption{Name: string(name), Value: string(value)})
		}
	}
	body := d.bytes(d.count(1))
	if d.err == nil && src != nil {
		*src = translate.Source{Signal: string(signal), Options: opts, Payload: body}
	}
}

func (d *decoder) batch(out *translate.Output) {
	db, name := d.str(), d.str()
	var hints table.Hints
	for range d.count(2) {
		k, v := d.str(), d.str()
		hints.Set(k, v)
	}
	create := d.str()
	var alters []string
	for range d.count(1) {
		alters = append(alters, d.str())
	}
	// Every column writes at least one byte per row, so a row count
	// beyond the bytes left is corrupt.
	rows := d.count(1)
	ncols := d.count(1)
	if d.err != nil {
		return
	}
	if name == "" {
		d.fail("empty table name")
		return
	}
	if existing, ok := out.Lookup(db, name); ok && existing.Rows() > 0 {
		d.fail("table %q appears twice", name)
		return
	}
	b := out.Batch(db, name)
	for _, h := range hints {
		b.Hints.Set(h.Key, h.Value)
	}
	b.CreateSQL = create
	b.AlterSQL = append(b.AlterSQL[:0], alters...)
	cols := make([]colReader, 0, min(ncols, 64))
	for range ncols {
		cr, ok := d.column(b, rows)
		if !ok {
			return
		}
		cols = append(cols, cr)
	}
	for i := range rows {
		for j := range cols {
			cols[j].next(b.Col(j), i)
		}
		if err := b.EndRow(); err != nil {
			d.fail("%v", err)
			return
		}
	}
	for j := range cols {
		if cols[j].d.err != nil || cols[j].d.off != len(cols[j].d.p) {
			d.fail("column %q: values do not match %d rows", b.Col(j).Name, rows)
			return
		}
	}
}

func (d *decoder) column(b *table.Batch, rows int) (colReader, bool) {
	name := d.str()
	typ := table.DataType(d.uvarint())
	sem := table.SemanticType(d.uvarint())
	flags := d.bytes(1)
	prec, scale, dim := d.varint(), d.varint(), d.uvarint()
	if d.err != nil {
		return colReader{}, false
	}
	if !typ.Valid() || sem < table.Tag || sem > table.Timestamp || prec != int64(int32(prec)) ||
		scale != int64(int32(scale)) || dim > math.MaxUint32 {
		d.fail("column %q: bad type", name)
		return colReader{}, false
	}
	i, err := b.AddColumn(name, typ, sem)
	if err != nil {
		d.fail("%v", err)
		return colReader{}, false
	}
	c := b.Col(i)
	c.JSONChecked = flags[0]&flagJSONChecked != 0
	c.Precision, c.Scale, c.VectorDim = int32(prec), int32(scale), uint32(dim)
	if flags[0]&flagOptions != 0 {
		c.Options = map[string]string{}
		for range d.count(2) {
			k, v := d.str(), d.str()
			c.Options[k] = v
		}
	}
	var cr colReader
	if flags[0]&flagNulls != 0 {
		cr.valid = d.bytes((rows + 7) >> 3)
	}
	cr.d.p = d.bytes(d.count(1))
	return cr, d.err == nil
}

// colReader walks one column's values row by row.
type colReader struct {
	d     decoder
	valid []byte
}

func (r *colReader) next(c *table.Column, i int) {
	d := &r.d
	null := r.valid != nil && r.valid[i>>3]&(1<<(uint(i)&7)) == 0
	switch c.Type.Storage() {
	case table.StorageInt:
		v := d.varint()
		if !null {
			c.AppendInt64(v)
		}
	case table.StorageUint:
		v := d.uvarint()
		if !null {
			c.AppendUint64(v)
		}
	case table.StorageFloat:
		if b := d.bytes(8); b != nil && !null {
			c.AppendFloat64(math.Float64frombits(binary.LittleEndian.Uint64(b)))
		}
	case table.StorageBool:
		if b := d.bytes(1); b != nil && !null {
			c.AppendBool(b[0] != 0)
		}
	case table.StorageBytes:
		b := d.bytes(d.count(1))
		if !null && d.err == nil {
			c.AppendBytes(b)
		}
	case table.StorageDecimal:
		if b := d.bytes(16); b != nil && !null {
			c.AppendDecimal128(table.Decimal128Value{Lo: binary.LittleEndian.Uint64(b), Hi: int64(binary.LittleEndian.Uint64(b[8:]))})
		}
	case table.StorageMDN:
		if b := d.bytes(16); b != nil && !null {
			c.AppendIntervalMDN(table.IntervalMDN{
				Months: int32(binary.LittleEndian.Uint32(b)),
				Days:   int32(binary.LittleEndian.Uint32(b[4:])), Nanoseconds: int64(binary.LittleEndian.Uint64(b[8:])),
			})
		}
	}
	if null {
		c.AppendNull()
	}
}

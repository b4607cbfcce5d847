package writer

import (
	"fmt"
	"math"
	"unsafe"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/bitutil"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/greptime-bridge/greptime-bridge/writer/table"
)

// table.Decimal128Value is handed to Arrow as decimal128.Num without a copy;
// this fails to compile if the two ever stop having the same size.
var (
	_ [unsafe.Sizeof(decimal128.Num{}) - unsafe.Sizeof(table.Decimal128Value{})]struct{}
	_ [unsafe.Sizeof(table.Decimal128Value{}) - unsafe.Sizeof(decimal128.Num{})]struct{}
)

// arrowConverter turns table batches of one fixed schema into Arrow records.
// It is the project's only table → Arrow conversion.
//
// Zero copy: INT64, UINT64, FLOAT64, TIMESTAMP_*, DATETIME, TIME_MICROSECOND
// / TIME_NANOSECOND, DECIMAL128, STRING, BINARY and JSON columns, and every
// validity bitmap, are wrapped in place (memory.NewBufferBytes over the
// column's backing slices). The record therefore aliases the batch: the batch
// must not be modified or Reset until the record is released. The stream
// writer encodes and sends the record before WriteAsync returns, so callers
// of the writer get the batch back as soon as the call returns. Narrower
// types (INT8/16/32, UINT8/16/32, FLOAT32, DATE, TIME_SECOND /
// TIME_MILLISECOND) and BOOLEAN are copied into buffers from mem.
type arrowConverter struct {
	table  string
	cols   []table.ColumnSchema
	schema *arrow.Schema
	mem    memory.Allocator
	arrs   []arrow.Array // scratch, reused across calls
	// fillMissing lets a batch omit nullable stream columns, sent as NULL.
	fillMissing bool
}

// newArrowConverter builds the stream schema for cols (refusing what the bulk
// path cannot carry) and a converter for it.
func newArrowConverter(tableName string, cols []table.ColumnSchema, mem memory.Allocator) (*arrowConverter, error) {
	s, err := bulkArrowSchema(tableName, cols)
	if err != nil {
		return nil, err
	}
	if mem == nil {
		mem = memory.DefaultAllocator
	}
	return &arrowConverter{table: tableName, cols: cols, schema: s, mem: mem, arrs: make([]arrow.Array, len(cols))}, nil
}

// Schema returns the Arrow schema every record of the converter has.
func (ac *arrowConverter) Schema() *arrow.Schema { return ac.schema }

// convert returns b as an Arrow record of the converter's schema. Columns are
// matched by name, so their order in b may differ; b must have exactly the
// schema's columns with the same types and semantic types, except that with
// fillMissing it may omit nullable (non-time-index) columns, sent as NULL:
// what GreptimeDB does itself for table columns a batch lacks (v1.1.0+,
// §3.2), made explicit so the stream's schema stays fixed. The caller
// releases the record, and must not modify b before it does.
func (ac *arrowConverter) convert(b *table.Batch) (rec arrow.RecordBatch, err error) {
	if b.NumColumns() > len(ac.cols) || (!ac.fillMissing && b.NumColumns() != len(ac.cols)) {
		return nil, &InvalidInputError{
			Table:  ac.table,
			Reason: fmt.Sprintf("schema differs from the stream's: batch has %d columns, the stream %d", b.NumColumns(), len(ac.cols)),
		}
	}
	n, matched := b.Rows(), 0
	defer func() {
		for i, a := range ac.arrs {
			if a != nil {
				a.Release()
				ac.arrs[i] = nil
			}
		}
	}()
	for i, want := range ac.cols {
		c := b.Column(want.Name)
		if c == nil && ac.fillMissing && want.Semantic != table.Timestamp {
			ac.arrs[i] = array.MakeArrayOfNull(ac.mem, ac.schema.Field(i).Type, n)
			continue
		}
		if c == nil {
			return nil, &InvalidInputError{Table: ac.table, Column: want.Name, Reason: "schema differs from the stream's: column missing from the batch"}
		}
		matched++
		if err := sameColumn(want, c); err != nil {
			return nil, &InvalidInputError{Table: ac.table, Column: want.Name, Reason: "schema differs from the stream's: " + err.Error()}
		}
		if c.Len() != n {
			return nil, &InvalidInputError{
				Table: ac.table, Column: want.Name,
				Reason: fmt.Sprintf("column has %d values for %d rows", c.Len(), n),
			}
		}
		data, err := ac.columnData(ac.schema.Field(i).Type, c, n)
		if err != nil {
			return nil, err
		}
		ac.arrs[i] = array.MakeFromData(data)
		data.Release()
	}
	if matched != b.NumColumns() {
		return nil, &InvalidInputError{Table: ac.table, Column: ac.extraColumn(b), Reason: "schema differs from the stream's: column not in the stream"}
	}
	return array.NewRecordBatch(ac.schema, ac.arrs, int64(n)), nil
}

// extraColumn names a column of b that the stream lacks.
func (ac *arrowConverter) extraColumn(b *table.Batch) string {
	for _, c := range b.Columns() {
		if ac.schema.FieldIndices(c.Name) == nil {
			return c.Name
		}
	}
	return ""
}

// sameColumn compares a batch column to the stream's column definition.
func sameColumn(want table.ColumnSchema, c *table.Column) error {
	if c.Type != want.Type {
		return fmt.Errorf("type %s, the stream has %s", c.Type, want.Type)
	}
	if c.Semantic != want.Semantic {
		return fmt.Errorf("semantic type %s, the stream has %s", c.Semantic, want.Semantic)
	}
	if c.Type == table.Decimal128 {
		gp, gs := decimalPrecisionScale(c.Precision, c.Scale)
		wp, ws := decimalPrecisionScale(want.Precision, want.Scale)
		if gp != wp || gs != ws {
			return fmt.Errorf("decimal(%d,%d), the stream has decimal(%d,%d)", gp, gs, wp, ws)
		}
	}
	return nil
}

// columnData builds the Arrow array data of column c (n values) as type dt.
func (ac *arrowConverter) columnData(dt arrow.DataType, c *table.Column, n int) (arrow.ArrayData, error) {
	var validity *memory.Buffer
	nulls := c.NullCount()
	if bm := c.ValidityBitmap(); bm != nil {
		validity = memory.NewBufferBytes(bm)
	}
	one := func(values *memory.Buffer) arrow.ArrayData {
		return array.NewData(dt, n, []*memory.Buffer{validity, values}, nil, nulls, 0)
	}
	switch c.Type {
	case table.Int64, table.Datetime, table.TimestampSecond, table.TimestampMillisecond,
		table.TimestampMicrosecond, table.TimestampNanosecond, table.TimeMicrosecond, table.TimeNanosecond:
		return one(memory.NewBufferBytes(arrow.Int64Traits.CastToBytes(c.Int64s()[:n]))), nil
	case table.Uint64:
		return one(memory.NewBufferBytes(arrow.Uint64Traits.CastToBytes(c.Uint64s()[:n]))), nil
	case table.Float64:
		return one(memory.NewBufferBytes(arrow.Float64Traits.CastToBytes(c.Float64s()[:n]))), nil
	case table.Decimal128:
		return one(memory.NewBufferBytes(decimalBytes(c.Decimals()[:n]))), nil
	case table.String, table.Binary, table.JSON:
		offsets, data := c.BytesData()
		if data == nil {
			data = []byte{}
		}
		return array.NewData(dt, n, []*memory.Buffer{
			validity,
			memory.NewBufferBytes(arrow.Int32Traits.CastToBytes(offsets[:n+1])), memory.NewBufferBytes(data),
		}, nil, nulls, 0), nil
	case table.Boolean:
		buf := memory.NewResizableBuffer(ac.mem)
		buf.Resize(int(bitutil.BytesForBits(int64(n))))
		bits := buf.Bytes()
		for i, v := range c.Bools()[:n] {
			if v {
				bitutil.SetBit(bits, i)
			}
		}
		d := one(buf)
		buf.Release()
		return d, nil
	case table.Float32:
		buf, out := allocNarrow[float32](ac.mem, n, arrow.Float32SizeBytes)
		for i, v := range c.Float64s()[:n] {
			out[i] = float32(v)
		}
		d := one(buf)
		buf.Release()
		return d, nil
	}
	return ac.narrowInts(dt, c, n, validity, nulls)
}

// narrowInts copies the int64/uint64 storage of the narrower integer and
// temporal types into their Arrow width, refusing a value that does not fit
// (the table model stores every signed type as int64, and a silently
// truncated value would be stored wrong).
func (ac *arrowConverter) narrowInts(dt arrow.DataType, c *table.Column, n int, validity *memory.Buffer, nulls int) (arrow.ArrayData, error) {
	var (
		buf *memory.Buffer
		bad int
	)
	switch c.Type {
	case table.Int8:
		buf, bad = narrowSigned[int8](ac.mem, c.Int64s()[:n], math.MinInt8, math.MaxInt8)
	case table.Int16:
		buf, bad = narrowSigned[int16](ac.mem, c.Int64s()[:n], math.MinInt16, math.MaxInt16)
	case table.Int32, table.Date, table.TimeSecond, table.TimeMillisecond:
		buf, bad = narrowSigned[int32](ac.mem, c.Int64s()[:n], math.MinInt32, math.MaxInt32)
	case table.Uint8:
		buf, bad = narrowUnsigned[uint8](ac.mem, c.Uint64s()[:n], math.MaxUint8)
	case table.Uint16:
		buf, bad = narrowUnsigned[uint16](ac.mem, c.Uint64s()[:n], math.MaxUint16)
	case table.Uint32:
		buf, bad = narrowUnsigned[uint32](ac.mem, c.Uint64s()[:n], math.MaxUint32)
	default:
		return nil, &InvalidInputError{Table: ac.table, Column: c.Name, Reason: unsupportedBulkType + ": " + c.Type.String()}
	}
	if bad >= 0 {
		buf.Release()
		return nil, &InvalidInputError{
			Table: ac.table, Column: c.Name,
			Reason: fmt.Sprintf("value of row %d is out of range for %s", bad, c.Type),
		}
	}
	d := array.NewData(dt, n, []*memory.Buffer{validity, buf}, nil, nulls, 0)
	buf.Release()
	return d, nil
}

type signed interface{ ~int8 | ~int16 | ~int32 }

type unsigned interface{ ~uint8 | ~uint16 | ~uint32 }

// allocNarrow allocates a buffer of n values of width bytes from mem and
// returns it with a typed view of its memory.
func allocNarrow[T any](mem memory.Allocator, n, width int) (*memory.Buffer, []T) {
	buf := memory.NewResizableBuffer(mem)
	buf.Resize(n * width)
	if n == 0 {
		return buf, nil
	}
	return buf, unsafe.Slice((*T)(unsafe.Pointer(&buf.Bytes()[0])), n)
}

// narrowSigned copies src into a new buffer of T; bad is the first row whose
// value does not fit, or -1.
func narrowSigned[T signed](mem memory.Allocator, src []int64, lo, hi int64) (*memory.Buffer, int) {
	var zero T
	buf, out := allocNarrow[T](mem, len(src), int(unsafe.Sizeof(zero)))
	for i, v := range src {
		if v < lo || v > hi {
			return buf, i
		}
		out[i] = T(v)
	}
	return buf, -1
}

// narrowUnsigned is narrowSigned for unsigned storage.
func narrowUnsigned[T unsigned](mem memory.Allocator, src []uint64, hi uint64) (*memory.Buffer, int) {
	var zero T
	buf, out := allocNarrow[T](mem, len(src), int(unsafe.Sizeof(zero)))
	for i, v := range src {
		if v > hi {
			return buf, i
		}
		out[i] = T(v)
	}
	return buf, -1
}

// decimalBytes reinterprets decimal mantissas as bytes; table.Decimal128Value
// has decimal128.Num's layout (low word first).
func decimalBytes(d []table.Decimal128Value) []byte {
	if len(d) == 0 {
		return []byte{}
	}
	return unsafe.Slice((*byte)(unsafe.Pointer(&d[0])), len(d)*int(unsafe.Sizeof(d[0])))
}

package table

import (
	"fmt"
	"math"
	"unsafe"
)

// Column is one column of a Batch: its schema and its values held
// columnar in the storage of its data type, so producers append without
// boxing. Values are appended through the Append methods of the matching
// storage class; appending through another class panics? No: it returns
// nothing and records an error that Batch.EndRow and Batch.Validate report,
// so a hot path stays branch-light and a mistake still never reaches the
// server.
type Column struct {
	// Fields are laid out by how often a pass over a batch reads them, so
	// that a column met cold costs two or three cache lines rather than
	// the whole struct: a Prometheus request spreads over up to a thousand
	// tables of a few rows, and each pass over them (validation, appends,
	// coalescing, encoding, size estimates) is bound by memory latency
	// (issue #12, node-exporter-shaped load). The first 64 bytes hold the
	// schema and counts, the next the validity and byte storage, then the
	// numeric storage; the rare storage classes come last.
	Name string
	// Type is the column's data type; it must not change once values are
	// appended (CastInt64ToFloat64 is the one safe change): only the slice
	// of its storage class holds values, and resets rely on that.
	Type     DataType
	Semantic SemanticType
	n        int
	nulls    int
	// Options are GreptimeDB column options (ColumnOptions.options), e.g.
	// the fulltext settings of a log body. Nil when none.
	Options map[string]string
	// Precision and Scale are the DECIMAL128 type extension; zero means
	// GreptimeDB's default (38, 10).
	Precision, Scale int32
	// VectorDim is the VECTOR type extension.
	VectorDim uint32
	// JSONChecked says that every value of this JSON column is valid JSON
	// text, vouched for by its producer (the bridge's translators render
	// it themselves), so the writer skips parsing each value again before
	// sending. Set it only for text built by a JSON encoder: GreptimeDB
	// fails the whole request on invalid JSON. Appending another column
	// keeps it only when both had it.
	JSONChecked bool
	// UTF8Checked says that every value of this STRING (or JSON) column
	// is valid UTF-8, vouched for by its producer (a translator that validated or
	// repaired each value as it decoded it), so the writer skips a second
	// pass over the values before sending. Set it only when every value
	// was checked: GreptimeDB refuses the whole request on an invalid
	// string. Appending another column keeps it only when both had it.
	UTF8Checked bool

	err error
	// valid is an Arrow-style validity bitmap (LSB first, 1 = valid); nil
	// means every value is valid.
	valid   []byte
	offsets []int32 // len n+1 for bytes storage; offsets[0] == 0
	data    []byte
	floats  []float64
	ints    []int64

	uints []uint64
	bools []bool
	decs  []Decimal128Value
	mdns  []IntervalMDN
}

func (c *Column) init() {
	if c.Type.Storage() == StorageBytes && len(c.offsets) == 0 {
		c.offsets = append(c.offsets, 0)
	}
}

// Len returns the number of values (NULLs included) in the column.
func (c *Column) Len() int { return c.n }

// NullCount returns the number of NULL values.
func (c *Column) NullCount() int { return c.nulls }

// IsNull reports whether value i is NULL.
func (c *Column) IsNull(i int) bool {
	return c.valid != nil && c.valid[i>>3]&(1<<(uint(i)&7)) == 0
}

// ValidityBitmap returns the Arrow-style validity bitmap (LSB first, bit set
// = valid) covering Len values, or nil when no value is NULL. It aliases the
// column's memory and is valid until the column is next modified.
func (c *Column) ValidityBitmap() []byte {
	if c.nulls == 0 {
		return nil
	}
	return c.valid[:(c.n+7)>>3]
}

func (c *Column) setValid(valid bool) {
	i := c.n
	if valid {
		if c.valid != nil {
			if i>>3 >= len(c.valid) {
				c.valid = append(c.valid, 0)
			}
			c.valid[i>>3] |= 1 << (uint(i) & 7)
		}
		return
	}
	if c.valid == nil {
		// First NULL: materialise the bitmap with every earlier value valid.
		c.valid = make([]byte, (i>>3)+1, (i>>3)+8)
		for j := 0; j < i; j++ {
			c.valid[j>>3] |= 1 << (uint(j) & 7)
		}
	}
	for i>>3 >= len(c.valid) {
		c.valid = append(c.valid, 0)
	}
	c.valid[i>>3] &^= 1 << (uint(i) & 7)
	c.nulls++
}

func (c *Column) wrong(want Storage) {
	if c.err == nil {
		c.err = fmt.Errorf("column %q of type %s cannot hold a %s value", c.Name, c.Type, storageName(want))
	}
}

func storageName(s Storage) string {
	switch s {
	case StorageInt:
		return "signed integer or temporal"
	case StorageUint:
		return "unsigned integer"
	case StorageFloat:
		return "float"
	case StorageBool:
		return "boolean"
	case StorageBytes:
		return "string or binary"
	case StorageDecimal:
		return "decimal"
	case StorageMDN:
		return "month-day-nano interval"
	}
	return "unknown"
}

// Err returns the first append mistake recorded on this column (a value of
// the wrong storage class), or nil.
func (c *Column) Err() error { return c.err }

// AppendNull appends a NULL.
func (c *Column) AppendNull() {
	switch c.Type.Storage() {
	case StorageInt:
		c.ints = append(c.ints, 0)
	case StorageUint:
		c.uints = append(c.uints, 0)
	case StorageFloat:
		c.floats = append(c.floats, 0)
	case StorageBool:
		c.bools = append(c.bools, false)
	case StorageBytes:
		c.init()
		c.offsets = append(c.offsets, int32(len(c.data)))
	case StorageDecimal:
		c.decs = append(c.decs, Decimal128Value{})
	case StorageMDN:
		c.mdns = append(c.mdns, IntervalMDN{})
	}
	c.setValid(false)
	c.n++
}

// AppendInt64 appends a signed integer or temporal value (timestamps, date
// days, times, INTERVAL_YEAR_MONTH months, INTERVAL_DAY_TIME) in the column's
// unit. The caller keeps it within the column type's range.
func (c *Column) AppendInt64(v int64) {
	if c.valid == nil && c.Type.Storage() == StorageInt {
		// No NULL yet, so no bitmap to extend (see AppendBytes).
		c.ints = append(c.ints, v)
		c.n++
		return
	}
	if c.Type.Storage() != StorageInt {
		c.wrong(StorageInt)
		c.AppendNull()
		return
	}
	c.ints = append(c.ints, v)
	c.setValid(true)
	c.n++
}

// AppendUint64 appends an unsigned integer.
func (c *Column) AppendUint64(v uint64) {
	if c.Type.Storage() != StorageUint {
		c.wrong(StorageUint)
		c.AppendNull()
		return
	}
	c.uints = append(c.uints, v)
	c.setValid(true)
	c.n++
}

// AppendFloat64 appends a float, keeping its exact bits (NaN payloads such as
// Prometheus' stale marker included) for FLOAT64 columns.
func (c *Column) AppendFloat64(v float64) {
	if c.valid == nil && c.Type.Storage() == StorageFloat {
		// No NULL yet, so no bitmap to extend (see AppendBytes).
		c.floats = append(c.floats, v)
		c.n++
		return
	}
	if c.Type.Storage() != StorageFloat {
		c.wrong(StorageFloat)
		c.AppendNull()
		return
	}
	c.floats = append(c.floats, v)
	c.setValid(true)
	c.n++
}

// AppendBool appends a boolean.
func (c *Column) AppendBool(v bool) {
	if c.Type.Storage() != StorageBool {
		c.wrong(StorageBool)
		c.AppendNull()
		return
	}
	c.bools = append(c.bools, v)
	c.setValid(true)
	c.n++
}

// AppendString appends a STRING (or JSON text) value, copying its bytes.
func (c *Column) AppendString(v string) {
	if c.valid == nil && len(c.offsets) != 0 && c.Type.Storage() == StorageBytes {
		// AppendBytes' common case, here for every OTLP metric tag value:
		// without it this method was 12.8% of the bridge's CPU under
		// otlp-sum load, over a third of it in the calls skipped here
		// (issue #12).
		c.data = append(c.data, v...)
		c.offsets = append(c.offsets, int32(len(c.data)))
		c.n++
		return
	}
	if c.Type.Storage() != StorageBytes {
		c.wrong(StorageBytes)
		c.AppendNull()
		return
	}
	c.init()
	c.data = append(c.data, v...)
	c.offsets = append(c.offsets, int32(len(c.data)))
	c.setValid(true)
	c.n++
}

// AppendBytes appends a BINARY, STRING, JSON or VECTOR value, copying it.
func (c *Column) AppendBytes(v []byte) {
	if c.valid == nil && len(c.offsets) != 0 && c.Type.Storage() == StorageBytes {
		// The common case, every remote-write tag value: a column without
		// a NULL so far has no bitmap to extend, and its leading offset is
		// in place. Skipping the setValid and init calls halved this
		// method's share of a remote-write translation's CPU (22% to 11%
		// in BenchmarkTranslate rw1/labels=8/samples=1/metrics=200
		// profiles; issue #12).
		c.data = append(c.data, v...)
		c.offsets = append(c.offsets, int32(len(c.data)))
		c.n++
		return
	}
	if c.Type.Storage() != StorageBytes {
		c.wrong(StorageBytes)
		c.AppendNull()
		return
	}
	c.init()
	c.data = append(c.data, v...)
	c.offsets = append(c.offsets, int32(len(c.data)))
	c.setValid(true)
	c.n++
}

// AppendDecimal128 appends a DECIMAL128 mantissa (scaled by the column's scale).
func (c *Column) AppendDecimal128(v Decimal128Value) {
	if c.Type.Storage() != StorageDecimal {
		c.wrong(StorageDecimal)
		c.AppendNull()
		return
	}
	c.decs = append(c.decs, v)
	c.setValid(true)
	c.n++
}

// AppendIntervalMDN appends an INTERVAL_MONTH_DAY_NANO value.
func (c *Column) AppendIntervalMDN(v IntervalMDN) {
	if c.Type.Storage() != StorageMDN {
		c.wrong(StorageMDN)
		c.AppendNull()
		return
	}
	c.mdns = append(c.mdns, v)
	c.setValid(true)
	c.n++
}

// AppendValue appends a boxed Value, converting between storage classes only
// where no information is lost; a NULL Value appends NULL.
func (c *Column) AppendValue(v Value) error {
	if v.IsNull() {
		c.AppendNull()
		return nil
	}
	if v.typ.Storage() != c.Type.Storage() {
		return fmt.Errorf("column %q of type %s cannot hold a %s value", c.Name, c.Type, v.typ)
	}
	switch c.Type.Storage() {
	case StorageInt:
		c.AppendInt64(v.i)
	case StorageUint:
		c.AppendUint64(v.u)
	case StorageFloat:
		c.AppendFloat64(v.f)
	case StorageBool:
		c.AppendBool(v.i != 0)
	case StorageBytes:
		if v.b != nil {
			c.AppendBytes(v.b)
		} else {
			c.AppendString(v.s)
		}
	case StorageDecimal:
		c.AppendDecimal128(Decimal128Value{Lo: v.u, Hi: v.i})
	case StorageMDN:
		c.AppendIntervalMDN(IntervalMDN{Months: int32(v.i >> 32), Days: int32(v.i), Nanoseconds: int64(v.u)})
	}
	return nil
}

// Int64 returns value i of a signed-integer or temporal column.
func (c *Column) Int64(i int) (int64, bool) {
	if c.Type.Storage() != StorageInt || c.IsNull(i) {
		return 0, false
	}
	return c.ints[i], true
}

// Timestamp returns value i of a TIMESTAMP_* column in the column's unit.
func (c *Column) Timestamp(i int) (int64, bool) {
	if !c.Type.IsTimestamp() {
		return 0, false
	}
	return c.Int64(i)
}

// Uint64 returns value i of an unsigned-integer column.
func (c *Column) Uint64(i int) (uint64, bool) {
	if c.Type.Storage() != StorageUint || c.IsNull(i) {
		return 0, false
	}
	return c.uints[i], true
}

// Float64 returns value i of a float column.
func (c *Column) Float64(i int) (float64, bool) {
	if c.Type.Storage() != StorageFloat || c.IsNull(i) {
		return 0, false
	}
	return c.floats[i], true
}

// Float64Bits returns the exact bits of value i of a float column.
func (c *Column) Float64Bits(i int) (uint64, bool) {
	f, ok := c.Float64(i)
	return math.Float64bits(f), ok
}

// Bool returns value i of a BOOLEAN column.
func (c *Column) Bool(i int) (bool, bool) {
	if c.Type.Storage() != StorageBool || c.IsNull(i) {
		return false, false
	}
	return c.bools[i], true
}

// String returns value i of a variable-width column as a string without
// copying: the string aliases the column's memory and must not be used after
// Reset.
func (c *Column) String(i int) (string, bool) {
	b, ok := c.Binary(i)
	if !ok {
		return "", false
	}
	if len(b) == 0 {
		return "", true
	}
	return unsafe.String(&b[0], len(b)), true
}

// Binary returns value i of a variable-width column without copying; the
// slice aliases the column's memory and must not be modified or used after
// Reset.
func (c *Column) Binary(i int) ([]byte, bool) {
	if c.Type.Storage() != StorageBytes || c.IsNull(i) {
		return nil, false
	}
	return c.data[c.offsets[i]:c.offsets[i+1]:c.offsets[i+1]], true
}

// Decimal128 returns value i of a DECIMAL128 column.
func (c *Column) Decimal128(i int) (Decimal128Value, bool) {
	if c.Type.Storage() != StorageDecimal || c.IsNull(i) {
		return Decimal128Value{}, false
	}
	return c.decs[i], true
}

// IntervalMDN returns value i of an INTERVAL_MONTH_DAY_NANO column.
func (c *Column) IntervalMDN(i int) (IntervalMDN, bool) {
	if c.Type.Storage() != StorageMDN || c.IsNull(i) {
		return IntervalMDN{}, false
	}
	return c.mdns[i], true
}

// Value returns value i boxed; prefer the typed accessors on hot paths.
func (c *Column) Value(i int) Value {
	if c.IsNull(i) {
		return Null()
	}
	v := Value{typ: c.Type, set: true}
	switch c.Type.Storage() {
	case StorageInt:
		v.i = c.ints[i]
	case StorageUint:
		v.u = c.uints[i]
	case StorageFloat:
		v.f = c.floats[i]
	case StorageBool:
		if c.bools[i] {
			v.i = 1
		}
	case StorageBytes:
		b, _ := c.Binary(i)
		if c.Type == String || c.Type == JSON {
			v.s = string(b)
		} else {
			v.b = append([]byte(nil), b...)
		}
	case StorageDecimal:
		v.u, v.i = c.decs[i].Lo, c.decs[i].Hi
	case StorageMDN:
		m := c.mdns[i]
		v.i = int64(m.Months)<<32 | int64(uint32(m.Days))
		v.u = uint64(m.Nanoseconds)
	}
	return v
}

// Int64s returns the backing values of a signed-integer or temporal column
// (NULL slots hold 0). It aliases the column's memory.
func (c *Column) Int64s() []int64 { return c.ints }

// Uint64s returns the backing values of an unsigned column (NULL slots hold 0).
func (c *Column) Uint64s() []uint64 { return c.uints }

// Float64s returns the backing values of a float column (NULL slots hold 0).
func (c *Column) Float64s() []float64 { return c.floats }

// Bools returns the backing values of a BOOLEAN column.
func (c *Column) Bools() []bool { return c.bools }

// Decimals returns the backing values of a DECIMAL128 column.
func (c *Column) Decimals() []Decimal128Value { return c.decs }

// IntervalMDNs returns the backing values of an INTERVAL_MONTH_DAY_NANO column.
func (c *Column) IntervalMDNs() []IntervalMDN { return c.mdns }

// BytesData returns the Arrow-layout offsets (Len+1 entries, int32) and data
// of a variable-width column. They alias the column's memory.
func (c *Column) BytesData() (offsets []int32, data []byte) {
	c.init()
	return c.offsets, c.data
}

// ByteSize estimates the memory the column's values occupy, for byte budgets.
// It reads only the slices of the column's storage class (the others are
// empty), so a cold column costs as few cache lines as possible.
func (c *Column) ByteSize() int {
	n := len(c.valid)
	switch c.Type.Storage() {
	case StorageInt:
		n += len(c.ints) * 8
	case StorageFloat:
		n += len(c.floats) * 8
	case StorageBytes:
		n += len(c.offsets)*4 + len(c.data)
	case StorageUint:
		n += len(c.uints) * 8
	case StorageBool:
		n += len(c.bools)
	case StorageDecimal:
		n += len(c.decs) * 16
	case StorageMDN:
		n += len(c.mdns) * 16
	}
	return n
}

// reset empties the values, keeping capacity, schema and options. Only the
// slices of the column's storage class ever hold values (a cast empties the
// one it leaves), so only those are touched.
func (c *Column) reset() {
	c.n = 0
	switch c.Type.Storage() {
	case StorageInt:
		c.ints = c.ints[:0]
	case StorageFloat:
		c.floats = c.floats[:0]
	case StorageBytes:
		c.offsets = c.offsets[:0]
		c.data = c.data[:0]
	case StorageUint:
		c.uints = c.uints[:0]
	case StorageBool:
		c.bools = c.bools[:0]
	case StorageDecimal:
		c.decs = c.decs[:0]
	case StorageMDN:
		c.mdns = c.mdns[:0]
	}
	c.valid = nil
	c.nulls = 0
	c.err = nil
	c.init()
}

// recycle clears a spare column for reuse under another schema, keeping
// its buffers. Only the slice of its old storage class holds values, so
// the rare storage classes' cache lines are not touched (zeroing the whole
// struct wrote them for every column of every small batch).
func (c *Column) recycle() {
	c.reset()
	if c.Type.Storage() == StorageBytes {
		c.offsets = c.offsets[:0] // init adds the leading 0 for the new type
	}
	c.Name, c.Type, c.Semantic = "", 0, 0
	c.Options, c.Precision, c.Scale, c.VectorDim = nil, 0, 0, 0
	c.JSONChecked, c.UTF8Checked = false, false
}

// truncate drops values from index n on; used to roll back a partial row.
func (c *Column) truncate(n int) {
	if n >= c.n {
		return
	}
	for i := n; i < c.n; i++ {
		if c.IsNull(i) {
			c.nulls--
		}
	}
	switch c.Type.Storage() {
	case StorageInt:
		c.ints = c.ints[:n]
	case StorageUint:
		c.uints = c.uints[:n]
	case StorageFloat:
		c.floats = c.floats[:n]
	case StorageBool:
		c.bools = c.bools[:n]
	case StorageBytes:
		c.offsets = c.offsets[:n+1]
		c.data = c.data[:c.offsets[n]]
	case StorageDecimal:
		c.decs = c.decs[:n]
	case StorageMDN:
		c.mdns = c.mdns[:n]
	}
	if c.valid != nil {
		c.valid = c.valid[:(n+7)>>3]
		if n&7 != 0 {
			c.valid[len(c.valid)-1] &= byte(1<<(uint(n)&7)) - 1
		}
		if c.nulls == 0 {
			c.valid = nil
		}
	}
	c.n = n
}

package table

import (
	"fmt"
	"math"
	"time"
)

// Value is one typed value of any GreptimeDB data type, or NULL. The zero
// Value is NULL. It is for row-oriented callers; producers on hot paths
// append to columns directly.
type Value struct {
	typ DataType
	set bool
	i   int64
	u   uint64
	f   float64
	s   string
	b   []byte
}

// Null returns the NULL value.
func Null() Value { return Value{} }

// IsNull reports whether v is NULL.
func (v Value) IsNull() bool { return !v.set }

// Type returns v's data type (meaningless for NULL).
func (v Value) Type() DataType { return v.typ }

func intValue(t DataType, x int64) Value { return Value{typ: t, set: true, i: x} }

// BoolValue returns a BOOLEAN value.
func BoolValue(x bool) Value {
	v := Value{typ: Boolean, set: true}
	if x {
		v.i = 1
	}
	return v
}

// Int8Value returns an INT8 value.
func Int8Value(x int8) Value { return intValue(Int8, int64(x)) }

// Int16Value returns an INT16 value.
func Int16Value(x int16) Value { return intValue(Int16, int64(x)) }

// Int32Value returns an INT32 value.
func Int32Value(x int32) Value { return intValue(Int32, int64(x)) }

// Int64Value returns an INT64 value.
func Int64Value(x int64) Value { return intValue(Int64, x) }

// Uint8Value returns a UINT8 value.
func Uint8Value(x uint8) Value { return Value{typ: Uint8, set: true, u: uint64(x)} }

// Uint16Value returns a UINT16 value.
func Uint16Value(x uint16) Value { return Value{typ: Uint16, set: true, u: uint64(x)} }

// Uint32Value returns a UINT32 value.
func Uint32Value(x uint32) Value { return Value{typ: Uint32, set: true, u: uint64(x)} }

// Uint64Value returns a UINT64 value.
func Uint64Value(x uint64) Value { return Value{typ: Uint64, set: true, u: x} }

// Float32Value returns a FLOAT32 value.
func Float32Value(x float32) Value { return Value{typ: Float32, set: true, f: float64(x)} }

// Float64Value returns a FLOAT64 value.
func Float64Value(x float64) Value { return Value{typ: Float64, set: true, f: x} }

// StringValue returns a STRING value.
func StringValue(x string) Value { return Value{typ: String, set: true, s: x} }

// BinaryValue returns a BINARY value; the slice is not copied.
func BinaryValue(x []byte) Value { return Value{typ: Binary, set: true, b: x} }

// JSONValue returns a JSON value from its text.
func JSONValue(text string) Value { return Value{typ: JSON, set: true, s: text} }

// VectorValue returns a VECTOR value from its little-endian float32 bytes.
func VectorValue(x []byte) Value { return Value{typ: Vector, set: true, b: x} }

// VectorFromFloats returns a VECTOR value holding xs as little-endian float32.
func VectorFromFloats(xs []float32) Value {
	b := make([]byte, 0, 4*len(xs))
	for _, x := range xs {
		u := math.Float32bits(x)
		b = append(b, byte(u), byte(u>>8), byte(u>>16), byte(u>>24))
	}
	return VectorValue(b)
}

// DateValue returns a DATE value: days since the Unix epoch.
func DateValue(days int32) Value { return intValue(Date, int64(days)) }

// DatetimeValue returns a DATETIME value: microseconds since the Unix epoch.
func DatetimeValue(us int64) Value { return intValue(Datetime, us) }

// TimestampValue returns a timestamp of type t (one of the TIMESTAMP_* types)
// in t's unit.
func TimestampValue(t DataType, x int64) Value { return intValue(t, x) }

// TimestampSecondValue returns a TIMESTAMP_SECOND value.
func TimestampSecondValue(x int64) Value { return intValue(TimestampSecond, x) }

// TimestampMillisecondValue returns a TIMESTAMP_MILLISECOND value.
func TimestampMillisecondValue(x int64) Value { return intValue(TimestampMillisecond, x) }

// TimestampMicrosecondValue returns a TIMESTAMP_MICROSECOND value.
func TimestampMicrosecondValue(x int64) Value { return intValue(TimestampMicrosecond, x) }

// TimestampNanosecondValue returns a TIMESTAMP_NANOSECOND value.
func TimestampNanosecondValue(x int64) Value { return intValue(TimestampNanosecond, x) }

// TimeOf returns t as a value of timestamp type typ, truncated to its unit.
func TimeOf(typ DataType, t time.Time) Value {
	switch typ {
	case TimestampSecond:
		return intValue(typ, t.Unix())
	case TimestampMillisecond:
		return intValue(typ, t.UnixMilli())
	case TimestampMicrosecond:
		return intValue(typ, t.UnixMicro())
	default:
		return intValue(TimestampNanosecond, t.UnixNano())
	}
}

// TimeSecondValue returns a TIME_SECOND value (seconds since midnight).
func TimeSecondValue(x int64) Value { return intValue(TimeSecond, x) }

// TimeMillisecondValue returns a TIME_MILLISECOND value.
func TimeMillisecondValue(x int64) Value { return intValue(TimeMillisecond, x) }

// TimeMicrosecondValue returns a TIME_MICROSECOND value.
func TimeMicrosecondValue(x int64) Value { return intValue(TimeMicrosecond, x) }

// TimeNanosecondValue returns a TIME_NANOSECOND value.
func TimeNanosecondValue(x int64) Value { return intValue(TimeNanosecond, x) }

// IntervalYearMonthValue returns an INTERVAL_YEAR_MONTH value in months.
func IntervalYearMonthValue(months int32) Value { return intValue(IntervalYearMonth, int64(months)) }

// IntervalDayTimeValue returns an INTERVAL_DAY_TIME value: days in the high
// 32 bits and milliseconds in the low 32 bits, as greptime-proto encodes it.
func IntervalDayTimeValue(x int64) Value { return intValue(IntervalDayTime, x) }

// IntervalMonthDayNanoValue returns an INTERVAL_MONTH_DAY_NANO value.
func IntervalMonthDayNanoValue(x IntervalMDN) Value {
	return Value{typ: IntervalMonthDayNano, set: true, i: int64(x.Months)<<32 | int64(uint32(x.Days)), u: uint64(x.Nanoseconds)}
}

// Decimal128Of returns a DECIMAL128 value from its mantissa.
func Decimal128Of(x Decimal128Value) Value {
	return Value{typ: Decimal128, set: true, i: x.Hi, u: x.Lo}
}

// Decimal128FromInt64 returns a DECIMAL128 mantissa for a signed integer.
func Decimal128FromInt64(x int64) Decimal128Value {
	return Decimal128Value{Lo: uint64(x), Hi: x >> 63}
}

// AsInt64 returns v's integer or temporal payload.
func (v Value) AsInt64() (int64, bool) {
	if !v.set || v.typ.Storage() != StorageInt {
		return 0, false
	}
	return v.i, true
}

// AsUint64 returns v's unsigned payload.
func (v Value) AsUint64() (uint64, bool) {
	if !v.set || v.typ.Storage() != StorageUint {
		return 0, false
	}
	return v.u, true
}

// AsFloat64 returns v's float payload.
func (v Value) AsFloat64() (float64, bool) {
	if !v.set || v.typ.Storage() != StorageFloat {
		return 0, false
	}
	return v.f, true
}

// AsBool returns v's boolean payload.
func (v Value) AsBool() (bool, bool) {
	if !v.set || v.typ != Boolean {
		return false, false
	}
	return v.i != 0, true
}

// AsString returns v's STRING or JSON text.
func (v Value) AsString() (string, bool) {
	if !v.set || v.typ.Storage() != StorageBytes {
		return "", false
	}
	if v.b != nil {
		return string(v.b), true
	}
	return v.s, true
}

// AsBytes returns v's variable-width payload.
func (v Value) AsBytes() ([]byte, bool) {
	if !v.set || v.typ.Storage() != StorageBytes {
		return nil, false
	}
	if v.b != nil {
		return v.b, true
	}
	return []byte(v.s), true
}

// AsDecimal128 returns v's DECIMAL128 mantissa.
func (v Value) AsDecimal128() (Decimal128Value, bool) {
	if !v.set || v.typ != Decimal128 {
		return Decimal128Value{}, false
	}
	return Decimal128Value{Lo: v.u, Hi: v.i}, true
}

// AsIntervalMDN returns v's INTERVAL_MONTH_DAY_NANO payload.
func (v Value) AsIntervalMDN() (IntervalMDN, bool) {
	if !v.set || v.typ != IntervalMonthDayNano {
		return IntervalMDN{}, false
	}
	return IntervalMDN{Months: int32(v.i >> 32), Days: int32(v.i), Nanoseconds: int64(v.u)}, true
}

// Equal reports whether two values have the same type and payload (NULL
// equals NULL; floats compare by bits, so NaN equals the same NaN).
func (v Value) Equal(w Value) bool {
	if v.set != w.set {
		return false
	}
	if !v.set {
		return true
	}
	if v.typ != w.typ {
		return false
	}
	switch v.typ.Storage() {
	case StorageFloat:
		return math.Float64bits(v.f) == math.Float64bits(w.f)
	case StorageBytes:
		a, _ := v.AsBytes()
		b, _ := w.AsBytes()
		return string(a) == string(b)
	}
	return v.i == w.i && v.u == w.u
}

// String formats v for messages and tests.
func (v Value) String() string {
	if !v.set {
		return "NULL"
	}
	switch v.typ.Storage() {
	case StorageInt:
		return fmt.Sprintf("%s(%d)", v.typ, v.i)
	case StorageUint:
		return fmt.Sprintf("%s(%d)", v.typ, v.u)
	case StorageFloat:
		return fmt.Sprintf("%s(%v)", v.typ, v.f)
	case StorageBool:
		return fmt.Sprintf("BOOLEAN(%v)", v.i != 0)
	case StorageBytes:
		s, _ := v.AsString()
		return fmt.Sprintf("%s(%q)", v.typ, s)
	case StorageDecimal:
		return fmt.Sprintf("DECIMAL128(hi=%d,lo=%d)", v.i, v.u)
	case StorageMDN:
		m, _ := v.AsIntervalMDN()
		return fmt.Sprintf("INTERVAL_MONTH_DAY_NANO(%d,%d,%d)", m.Months, m.Days, m.Nanoseconds)
	}
	return "?"
}

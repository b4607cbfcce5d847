package table

import "fmt"

// DataType is a GreptimeDB column data type. The numeric values equal
// greptime-proto's ColumnDataType so the writer converts with a cast.
type DataType int32

// The GreptimeDB column data types (greptime-proto v1 ColumnDataType).
const (
	Boolean              DataType = 0
	Int8                 DataType = 1
	Int16                DataType = 2
	Int32                DataType = 3
	Int64                DataType = 4
	Uint8                DataType = 5
	Uint16               DataType = 6
	Uint32               DataType = 7
	Uint64               DataType = 8
	Float32              DataType = 9
	Float64              DataType = 10
	Binary               DataType = 11
	String               DataType = 12
	Date                 DataType = 13
	Datetime             DataType = 14
	TimestampSecond      DataType = 15
	TimestampMillisecond DataType = 16
	TimestampMicrosecond DataType = 17
	TimestampNanosecond  DataType = 18
	TimeSecond           DataType = 19
	TimeMillisecond      DataType = 20
	TimeMicrosecond      DataType = 21
	TimeNanosecond       DataType = 22
	IntervalYearMonth    DataType = 23
	IntervalDayTime      DataType = 24
	IntervalMonthDayNano DataType = 25
	Decimal128           DataType = 30
	JSON                 DataType = 31
	Vector               DataType = 32
)

// AllDataTypes lists every scalar data type the table model can hold, in
// ColumnDataType order. LIST, STRUCT and DICTIONARY are not part of it: no
// GreptimeDB ingester path accepts them from a client.
var AllDataTypes = []DataType{
	Boolean, Int8, Int16, Int32, Int64, Uint8, Uint16, Uint32, Uint64,
	Float32, Float64, Binary, String, Date, Datetime,
	TimestampSecond, TimestampMillisecond, TimestampMicrosecond, TimestampNanosecond,
	TimeSecond, TimeMillisecond, TimeMicrosecond, TimeNanosecond,
	IntervalYearMonth, IntervalDayTime, IntervalMonthDayNano,
	Decimal128, JSON, Vector,
}

var typeNames = map[DataType]string{
	Boolean: "BOOLEAN", Int8: "INT8", Int16: "INT16", Int32: "INT32", Int64: "INT64",
	Uint8: "UINT8", Uint16: "UINT16", Uint32: "UINT32", Uint64: "UINT64",
	Float32: "FLOAT32", Float64: "FLOAT64", Binary: "BINARY", String: "STRING",
	Date: "DATE", Datetime: "DATETIME",
	TimestampSecond: "TIMESTAMP_SECOND", TimestampMillisecond: "TIMESTAMP_MILLISECOND",
	TimestampMicrosecond: "TIMESTAMP_MICROSECOND", TimestampNanosecond: "TIMESTAMP_NANOSECOND",
	TimeSecond: "TIME_SECOND", TimeMillisecond: "TIME_MILLISECOND",
	TimeMicrosecond: "TIME_MICROSECOND", TimeNanosecond: "TIME_NANOSECOND",
	IntervalYearMonth: "INTERVAL_YEAR_MONTH", IntervalDayTime: "INTERVAL_DAY_TIME",
	IntervalMonthDayNano: "INTERVAL_MONTH_DAY_NANO",
	Decimal128:           "DECIMAL128", JSON: "JSON", Vector: "VECTOR",
}

// String returns the ColumnDataType name, e.g. "TIMESTAMP_MILLISECOND".
func (t DataType) String() string {
	if n, ok := typeNames[t]; ok {
		return n
	}
	return fmt.Sprintf("DataType(%d)", int32(t))
}

// Valid reports whether t is one of AllDataTypes.
func (t DataType) Valid() bool { return t.Storage() != 0 }

// Storage is the Go representation a column of a data type is held in.
type Storage uint8

// The storage classes of column values.
const (
	StorageInt     Storage = iota + 1 // int64: signed ints, date, datetime, timestamps, times, intervals year-month / day-time
	StorageUint                       // uint64: unsigned ints
	StorageFloat                      // float64: FLOAT32 and FLOAT64
	StorageBool                       // bool
	StorageBytes                      // variable width: STRING, BINARY, JSON, VECTOR
	StorageDecimal                    // Decimal128Value
	StorageMDN                        // IntervalMDN
)

// storageOf is storageClass by data type: Storage runs on every appended
// value, and an indexed load is cheaper than the switch.
var storageOf = func() (s [Vector + 1]Storage) {
	for t := range s {
		s[t] = storageClass(DataType(t))
	}
	return s
}()

// Storage returns how values of t are held; 0 for an unknown type.
func (t DataType) Storage() Storage {
	if uint32(t) < uint32(len(storageOf)) {
		return storageOf[t]
	}
	return 0
}

func storageClass(t DataType) Storage {
	switch t {
	case Int8, Int16, Int32, Int64, Date, Datetime,
		TimestampSecond, TimestampMillisecond, TimestampMicrosecond, TimestampNanosecond,
		TimeSecond, TimeMillisecond, TimeMicrosecond, TimeNanosecond,
		IntervalYearMonth, IntervalDayTime:
		return StorageInt
	case Uint8, Uint16, Uint32, Uint64:
		return StorageUint
	case Float32, Float64:
		return StorageFloat
	case Boolean:
		return StorageBool
	case Binary, String, JSON, Vector:
		return StorageBytes
	case Decimal128:
		return StorageDecimal
	case IntervalMonthDayNano:
		return StorageMDN
	}
	return 0
}

// IsTimestamp reports whether t is one of the four TIMESTAMP_* types, the
// only types a time index may have.
func (t DataType) IsTimestamp() bool {
	return t >= TimestampSecond && t <= TimestampNanosecond
}

// SemanticType is a column's role: tag (primary key), field or the time index.
// The values equal greptime-proto's SemanticType.
type SemanticType int32

// The semantic types.
const (
	Tag       SemanticType = 0
	Field     SemanticType = 1
	Timestamp SemanticType = 2
)

// String returns "TAG", "FIELD" or "TIMESTAMP".
func (s SemanticType) String() string {
	switch s {
	case Tag:
		return "TAG"
	case Field:
		return "FIELD"
	case Timestamp:
		return "TIMESTAMP"
	}
	return fmt.Sprintf("SemanticType(%d)", int32(s))
}

// Decimal128Value is a 128-bit two's-complement decimal mantissa. Its layout
// (low word first) matches Arrow's decimal128.Num so a column can be handed
// to Arrow without conversion; the scale lives in the column.
type Decimal128Value struct {
	Lo uint64
	Hi int64
}

// IntervalMDN is an INTERVAL_MONTH_DAY_NANO value; its layout matches
// Arrow's MonthDayNanoInterval.
type IntervalMDN struct {
	Months      int32
	Days        int32
	Nanoseconds int64
}

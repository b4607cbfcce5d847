package writer

import (
	"encoding/binary"
	"fmt"
	"math"
	"strings"
	"testing"

	gpb "github.com/GreptimeTeam/greptime-proto/go/greptime/v1"

	"github.com/greptime-bridge/greptime-bridge/writer/table"
)

// fuzzSource turns fuzz input into choices; past its end every choice is 0.
type fuzzSource struct{ data []byte }

func (f *fuzzSource) byte() byte {
	if len(f.data) == 0 {
		return 0
	}
	b := f.data[0]
	f.data = f.data[1:]
	return b
}

func (f *fuzzSource) u64() uint64 {
	var buf [8]byte
	n := copy(buf[:], f.data)
	f.data = f.data[n:]
	return binary.LittleEndian.Uint64(buf[:])
}

func (f *fuzzSource) str() string {
	n := int(f.byte())
	if n > 200 {
		n = (n - 200) * 40 // a few long values, past one-byte lengths
	}
	n = min(n, len(f.data))
	s := string(f.data[:n])
	f.data = f.data[n:]
	return strings.ToValidUTF8(s, "\uFFFD")
}

var fuzzJSON = []string{`{}`, `[]`, `1`, `"x"`, `{"a":[1,{"b":null}]}`, `true`}

// value returns a value of typ within the range the table model accepts.
func (f *fuzzSource) value(typ table.DataType, dim int) table.Value {
	x := f.u64()
	switch typ {
	case table.Boolean:
		return table.BoolValue(x&1 == 1)
	case table.Int8:
		return table.Int8Value(int8(x))
	case table.Int16:
		return table.Int16Value(int16(x))
	case table.Int32:
		return table.Int32Value(int32(x))
	case table.Uint8:
		return table.Uint8Value(uint8(x))
	case table.Uint16:
		return table.Uint16Value(uint16(x))
	case table.Uint32:
		return table.Uint32Value(uint32(x))
	case table.Uint64:
		return table.Uint64Value(x)
	case table.Float32:
		return table.Float32Value(math.Float32frombits(uint32(x)))
	case table.Float64:
		return table.Float64Value(math.Float64frombits(x))
	case table.Binary:
		return table.BinaryValue([]byte(f.str()))
	case table.String:
		return table.StringValue(f.str())
	case table.JSON:
		return table.JSONValue(fuzzJSON[x%uint64(len(fuzzJSON))])
	case table.Vector:
		v := make([]float32, dim)
		for i := range v {
			v[i] = math.Float32frombits(uint32(f.u64()))
		}
		return table.VectorFromFloats(v)
	case table.Date:
		return table.DateValue(int32(x))
	case table.IntervalYearMonth:
		return table.IntervalYearMonthValue(int32(x))
	case table.IntervalMonthDayNano:
		return table.IntervalMonthDayNanoValue(table.IntervalMDN{Months: int32(x), Days: int32(x >> 32), Nanoseconds: int64(f.u64())})
	case table.Decimal128:
		return table.Decimal128Of(table.Decimal128Value{Hi: int64(x), Lo: f.u64()})
	}
	// The int64-backed types: INT64, DATETIME, TIMESTAMP_*, TIME_*,
	// INTERVAL_DAY_TIME.
	return table.TimestampValue(typ, int64(x))
}

// batch builds a table of random columns and rows.
func (f *fuzzSource) batch(i int) *table.Batch {
	tsTypes := []table.DataType{table.TimestampSecond, table.TimestampMillisecond, table.TimestampMicrosecond, table.TimestampNanosecond}
	s := table.NewSchema(fmt.Sprintf("t%d_%s", i, f.str())).Timestamp("ts", tsTypes[f.byte()%4])
	for j := range int(f.byte() % 8) {
		cs := table.ColumnSchema{Name: fmt.Sprintf("c%d", j), Type: table.AllDataTypes[int(f.byte())%len(table.AllDataTypes)], Semantic: table.SemanticType(f.byte() % 2)}
		switch cs.Type {
		case table.Decimal128:
			cs.Precision = int32(f.byte() % 39)
			cs.Scale = min(int32(f.byte()%39), max(cs.Precision, 38*int32(f.byte()%2)))
		case table.Vector:
			cs.VectorDim = uint32(1 + f.byte()%4)
		}
		if f.byte()%4 == 0 {
			cs.Options = map[string]string{f.str(): f.str(), "fulltext": f.str()}
		}
		s.Columns = append(s.Columns, cs)
	}
	if f.byte()%3 == 0 {
		s.WithHint("ttl", fmt.Sprintf("%dd", f.byte()%3))
	}
	b := s.NewBatch([]string{"", "public", "other"}[f.byte()%3])
	rows := 1 + int(f.byte()%6)
	if f.byte() == 255 {
		rows = 300
	}
	for range rows {
		vals := make([]table.Value, len(s.Columns))
		for j, cs := range s.Columns {
			if j > 0 && f.byte()%4 == 0 {
				vals[j] = table.Null()
				continue
			}
			vals[j] = f.value(cs.Type, int(cs.VectorDim))
		}
		if err := b.AddRow(vals...); err != nil {
			panic(err)
		}
	}
	return b
}

// FuzzRowEncoder builds random batches (every data type, NULLs, type
// extensions, column options, hints, several databases) and checks that
// the encoder's bytes are what protobuf-go marshals from the reference
// builder's request for each group Write would send.
func FuzzRowEncoder(f *testing.F) {
	f.Add([]byte{})
	f.Add([]byte("\x03\x07\x01\x0c\x00\x1c\x01\x1e\x00\x02\x00\x05\x00\xffhello"))
	f.Add([]byte(strings.Repeat("\x11\x29\x05\x33\x81\x02\x07\x1d\x00", 30)))
	f.Fuzz(func(t *testing.T, data []byte) {
		src := &fuzzSource{data: data}
		var batches []*table.Batch
		for i := range 1 + int(src.byte()%4) {
			batches = append(batches, src.batch(i))
		}
		groups, err := groupBatches("public", nil, batches)
		if err != nil {
			return // an invalid batch (e.g. a FLOAT32 overflow) is refused before encoding
		}
		for _, g := range groups {
			// A call of one request is validated while encoded; checkEncoding
			// wants valid batches.
			if !g.checked && g.validate() != nil {
				return
			}
		}
		e := &rowEncoder{}
		for _, g := range groups {
			h := &gpb.RequestHeader{Dbname: g.database, Timezone: src.str()}
			if src.byte()%2 == 1 {
				h.Authorization = &gpb.AuthHeader{AuthScheme: &gpb.AuthHeader_Basic{Basic: &gpb.Basic{Username: src.str(), Password: src.str()}}}
			}
			checkEncoding(t, e, h, g.batches)
		}
	})
}

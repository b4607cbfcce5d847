package queue

import (
	"bytes"
	"errors"
	"math"
	"testing"

	"github.com/greptime-bridge/greptime-bridge/translate"
	"github.com/greptime-bridge/greptime-bridge/writer/table"
)

// sampleOutput holds one table with a column of every data type, NULLs in
// every column but the time index, plus a second table with hints, SQL
// and options.
func sampleOutput(t testing.TB) *translate.Output {
	t.Helper()
	out := &translate.Output{}
	b := out.Batch("db1", "every_type")
	const rows = 11
	for i := range rows {
		b.MustColumn("ts", table.TimestampNanosecond, table.Timestamp).AppendInt64(int64(i) * 1e9)
		for _, typ := range table.AllDataTypes {
			sem := table.Field
			if typ == table.String {
				sem = table.Tag
			}
			c := b.MustColumn("c_"+typ.String(), typ, sem)
			if i%3 == 1 {
				c.AppendNull()
				continue
			}
			switch typ.Storage() {
			case table.StorageInt:
				c.AppendInt64(int64(i*1000) - 5000)
			case table.StorageUint:
				c.AppendUint64(math.MaxUint64 - uint64(i))
			case table.StorageFloat:
				if i == 3 {
					c.AppendFloat64(math.Float64frombits(0x7ff0000000000002)) // Prometheus stale marker
				} else {
					c.AppendFloat64(float64(i) / 7)
				}
			case table.StorageBool:
				c.AppendBool(i%2 == 0)
			case table.StorageBytes:
				if i == 6 {
					c.AppendBytes(nil) // empty, not NULL
				} else {
					c.AppendString(`{"k":"v` + string(rune('a'+i)) + `"}`)
				}
			case table.StorageDecimal:
				c.AppendDecimal128(table.Decimal128Value{Lo: uint64(i), Hi: -int64(i)})
			case table.StorageMDN:
				c.AppendIntervalMDN(table.IntervalMDN{Months: int32(i), Days: -int32(i), Nanoseconds: int64(i) << 40})
			}
		}
		if err := b.EndRow(); err != nil {
			t.Fatal(err)
		}
	}
	dec := b.Column("c_DECIMAL128")
	dec.Precision, dec.Scale = 20, 4
	b.Column("c_VECTOR").VectorDim = 3
	b.Column("c_JSON").JSONChecked = true

	logs := out.Batch("", "logs")
	logs.Hints.Set("append_mode", "true")
	logs.Hints.Set("skip_wal", "false")
	logs.CreateSQL = "CREATE TABLE IF NOT EXISTS logs (ts TIMESTAMP TIME INDEX)"
	logs.AlterSQL = []string{"ALTER TABLE logs MODIFY COLUMN a DOUBLE"}
	body := logs.MustColumn("body", table.String, table.Field)
	body.Options = map[string]string{"fulltext": "true", "analyzer": "English"}
	logs.MustColumn("ts", table.TimestampMillisecond, table.Timestamp).AppendInt64(42)
	body.AppendString("hello")
	if err := logs.EndRow(); err != nil {
		t.Fatal(err)
	}
	out.Batch("db1", "empty") // no rows: not recorded
	return out
}

func TestRecordRoundTripsEveryTypeAndNull(t *testing.T) {
	in := sampleOutput(t)
	p := appendRecord([]byte("prefix"), in, nil, 1234567)
	if string(p[:6]) != "prefix" {
		t.Fatal("appendRecord overwrote the buffer it appends to")
	}
	p = p[6:]
	if at, err := recordTime(p); err != nil || at != 1234567 {
		t.Fatalf("record time %d, %v", at, err)
	}
	var out translate.Output
	if err := decodeRecord(p, &out); err != nil {
		t.Fatal(err)
	}
	if len(out.Batches) != 2 {
		t.Fatalf("%d batches, want 2 (the empty one is left out)", len(out.Batches))
	}
	for i, want := range in.Batches[:2] {
		got := out.Batches[i]
		if got.Database != want.Database || got.Table != want.Table || got.CreateSQL != want.CreateSQL ||
			!got.Hints.Equal(want.Hints) || len(got.AlterSQL) != len(want.AlterSQL) {
			t.Fatalf("batch %d header: got %+v", i, got)
		}
		if err := got.Validate(); err != nil {
			t.Fatal(err)
		}
		if got.Rows() != want.Rows() || got.NumColumns() != want.NumColumns() {
			t.Fatalf("%s: %d×%d, want %d×%d", want.Table, got.Rows(), got.NumColumns(), want.Rows(), want.NumColumns())
		}
		for j, wc := range want.Columns() {
			gc := got.Col(j)
			if gc.Name != wc.Name || gc.Type != wc.Type || gc.Semantic != wc.Semantic || gc.JSONChecked != wc.JSONChecked ||
				gc.Precision != wc.Precision || gc.Scale != wc.Scale || gc.VectorDim != wc.VectorDim || len(gc.Options) != len(wc.Options) {
				t.Fatalf("column %d: got %+v want %+v", j, gc, wc)
			}
			for k, v := range wc.Options {
				if gc.Options[k] != v {
					t.Errorf("column %s option %s = %q", wc.Name, k, gc.Options[k])
				}
			}
			if gc.NullCount() != wc.NullCount() {
				t.Errorf("column %s: %d NULLs, want %d", wc.Name, gc.NullCount(), wc.NullCount())
			}
			for r := range want.Rows() {
				if !gc.Value(r).Equal(wc.Value(r)) {
					t.Errorf("%s row %d: %v, want %v", wc.Name, r, gc.Value(r), wc.Value(r))
				}
			}
		}
	}
	bits, _ := out.Batches[0].Column("c_FLOAT64").Float64Bits(3)
	if bits != 0x7ff0000000000002 {
		t.Errorf("stale-marker NaN became %#x", bits)
	}
}

// TestCorruptRecordIsAnErrorNeverAPanic cuts the record at every length
// and flips every byte: decoding must fail cleanly or succeed, and never
// build more than a bounded amount.
func TestCorruptRecordIsAnErrorNeverAPanic(t *testing.T) {
	p := appendRecord(nil, sampleOutput(t), nil, 1)
	var out translate.Output
	for n := range len(p) {
		out.Reset()
		if err := decodeRecord(p[:n], &out); !errors.Is(err, errCorruptRecord) {
			t.Fatalf("record cut to %d of %d bytes: %v", n, len(p), err)
		}
	}
	q := make([]byte, len(p))
	for i := range p {
		for _, x := range []byte{0xff, 0x80, 0x01} {
			copy(q, p)
			q[i] ^= x
			out.Reset()
			_ = decodeRecord(q, &out)
			if rows := out.Rows(); rows > 8*len(q) {
				t.Fatalf("byte %d flipped: %d rows from %d bytes", i, rows, len(q))
			}
		}
	}
}

func TestHugeCountIsRefusedWithoutAllocating(t *testing.T) {
	// version, time, then a batch count of 2^62.
	p := append([]byte{codecVersion, 0, 0, 0, 0, 0, 0, 0, 0}, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x40)
	var out translate.Output
	allocs := testing.AllocsPerRun(10, func() {
		out.Reset()
		if err := decodeRecord(p, &out); !errors.Is(err, errCorruptRecord) {
			t.Fatal(err)
		}
	})
	if allocs > 10 {
		t.Errorf("%v allocations for a refused count", allocs)
	}
}

func BenchmarkRecordRoundTrip(b *testing.B) {
	in := sampleOutput(b)
	var buf []byte
	var out translate.Output
	b.ReportAllocs()
	for b.Loop() {
		buf = appendRecord(buf[:0], in, nil, 1)
		out.Reset()
		if err := decodeRecord(buf, &out); err != nil {
			b.Fatal(err)
		}
	}
}

// sampleSource is a logs request's source with options of every shape:
// repeated names, empty values, bytes that are not UTF-8.
func sampleSource() *translate.Source {
	return &translate.Source{
		Signal: "logs",
		Options: []translate.SourceOption{
			{Name: "database", Value: "db1"},
			{Name: "log_extract_key", Value: "host"},
			{Name: "log_extract_key", Value: ""},
			{Name: "hint:ttl", Value: "7d\xff"},
		},
		Payload: []byte("\x0a\x05raw\x00otlp"),
	}
}

func sameSource(a, b *translate.Source) bool {
	if a == nil || b == nil {
		return a == b
	}
	if a.Signal != b.Signal || !bytes.Equal(a.Payload, b.Payload) || len(a.Options) != len(b.Options) {
		return false
	}
	for i := range a.Options {
		if a.Options[i] != b.Options[i] {
			return false
		}
	}
	return true
}

func TestSourceRoundTripsBesideTheBatches(t *testing.T) {
	for _, src := range []*translate.Source{nil, sampleSource(), {Signal: "traces"}} {
		p := appendRecord(nil, sampleOutput(t), src, 99)
		got, err := recordSource(p)
		if err != nil || !sameSource(src, got) {
			t.Fatalf("source %+v came back as %+v (%v)", src, got, err)
		}
		var out translate.Output
		if err := decodeRecord(p, &out); err != nil || out.Rows() != sampleOutput(t).Rows() {
			t.Fatalf("batches beside source %+v: %d rows, %v", src, out.Rows(), err)
		}
		// Every cut of the record is an error, never a panic.
		for n := range len(p) {
			_, _ = recordSource(p[:n])
			if err := decodeRecord(p[:n], &out); !errors.Is(err, errCorruptRecord) {
				t.Fatalf("a record cut at byte %d: %v", n, err)
			}
		}
	}
}

package table

import (
	"errors"
	"math"
	"testing"
)

func TestBatchSparseColumnsGetNull(t *testing.T) {
	b := New("public", "up")
	ts := b.MustColumn("greptime_timestamp", TimestampMillisecond, Timestamp)
	val := b.MustColumn("greptime_value", Float64, Field)
	ts.AppendInt64(1000)
	val.AppendFloat64(1)
	b.MustColumn("job", String, Tag).AppendString("api")
	if err := b.EndRow(); err != nil {
		t.Fatal(err)
	}
	ts.AppendInt64(2000)
	val.AppendFloat64(math.Float64frombits(0x7ff0000000000002)) // stale marker
	b.MustColumn("instance", String, Tag).AppendString("h:1")
	if err := b.EndRow(); err != nil {
		t.Fatal(err)
	}
	if err := b.Validate(); err != nil {
		t.Fatal(err)
	}
	job, inst := b.Column("job"), b.Column("instance")
	if s, ok := job.String(0); !ok || s != "api" {
		t.Errorf("job[0] = %q %v", s, ok)
	}
	if _, ok := job.String(1); ok || !job.IsNull(1) {
		t.Error("job[1] should be NULL")
	}
	if !inst.IsNull(0) || inst.NullCount() != 1 {
		t.Error("instance[0] should be NULL")
	}
	if bits, _ := val.Float64Bits(1); bits != 0x7ff0000000000002 {
		t.Errorf("stale marker bits lost: %x", bits)
	}
}

func TestEndRowRejectsTwoValuesAndWrongType(t *testing.T) {
	b := New("", "t")
	ts := b.MustColumn("ts", TimestampSecond, Timestamp)
	ts.AppendInt64(1)
	ts.AppendInt64(2)
	if err := b.EndRow(); err == nil {
		t.Fatal("two values in one row accepted")
	}
	if b.Rows() != 0 || ts.Len() != 0 {
		t.Fatalf("row not rolled back: rows=%d len=%d", b.Rows(), ts.Len())
	}
	ts.AppendInt64(1)
	ts.AppendString("x")
	if err := b.EndRow(); err == nil {
		t.Fatal("string into timestamp accepted")
	}
	if err := b.AddRow(StringValue("x")); err == nil {
		t.Fatal("AddRow with a wrong type accepted")
	}
	if err := b.AddRow(); err == nil {
		t.Fatal("AddRow with a short row accepted")
	}
}

func TestValidate(t *testing.T) {
	cases := map[string]func() *Batch{
		"empty": func() *Batch { return NewSchema("t").Timestamp("ts", TimestampMillisecond).NewBatch("") },
		"null ts": func() *Batch {
			b := NewSchema("t").Timestamp("ts", TimestampMillisecond).Field("v", Float64).NewBatch("")
			_ = b.AddRow(Null(), Float64Value(1))
			return b
		},
		"no ts": func() *Batch {
			b := NewSchema("t").Field("v", Float64).NewBatch("")
			_ = b.AddRow(Float64Value(1))
			return b
		},
		"ts not timestamp": func() *Batch {
			b := New("", "t")
			b.MustColumn("ts", Int64, Timestamp).AppendInt64(1)
			_ = b.EndRow()
			return b
		},
	}
	for name, mk := range cases {
		t.Run(name, func(t *testing.T) {
			if err := mk().Validate(); !errors.Is(err, ErrInvalid) {
				t.Fatalf("got %v, want ErrInvalid", err)
			}
		})
	}
}

func TestEveryTypeRoundTripsThroughValue(t *testing.T) {
	vals := map[DataType]Value{
		Boolean: BoolValue(true), Int8: Int8Value(-8), Int16: Int16Value(-16), Int32: Int32Value(-32), Int64: Int64Value(-64),
		Uint8: Uint8Value(8), Uint16: Uint16Value(16), Uint32: Uint32Value(32), Uint64: Uint64Value(math.MaxUint64),
		Float32: Float32Value(1.5), Float64: Float64Value(2.25), Binary: BinaryValue([]byte{0, 1}), String: StringValue("s"),
		Date: DateValue(19000), Datetime: DatetimeValue(5), TimestampSecond: TimestampSecondValue(1),
		TimestampMillisecond: TimestampMillisecondValue(2), TimestampMicrosecond: TimestampMicrosecondValue(3),
		TimestampNanosecond: TimestampNanosecondValue(4), TimeSecond: TimeSecondValue(5), TimeMillisecond: TimeMillisecondValue(6),
		TimeMicrosecond: TimeMicrosecondValue(7), TimeNanosecond: TimeNanosecondValue(8), IntervalYearMonth: IntervalYearMonthValue(13),
		IntervalDayTime: IntervalDayTimeValue(1<<32 | 5), IntervalMonthDayNano: IntervalMonthDayNanoValue(IntervalMDN{-1, 2, -3}),
		Decimal128: Decimal128Of(Decimal128FromInt64(-12345)), JSON: JSONValue(`{"a":1}`), Vector: VectorFromFloats([]float32{1, 2}),
	}
	for _, typ := range AllDataTypes {
		v, ok := vals[typ]
		if !ok {
			t.Fatalf("no test value for %s", typ)
		}
		b := NewSchema("t").Timestamp("ts", TimestampNanosecond).Field("c", typ).NewBatch("")
		if err := b.AddRow(TimestampNanosecondValue(1), v); err != nil {
			t.Fatalf("%s: %v", typ, err)
		}
		if err := b.AddRow(TimestampNanosecondValue(2), Null()); err != nil {
			t.Fatalf("%s: %v", typ, err)
		}
		if got := b.Col(1).Value(0); !got.Equal(v) {
			t.Errorf("%s: got %v want %v", typ, got, v)
		}
		if !b.Col(1).Value(1).IsNull() {
			t.Errorf("%s: NULL lost", typ)
		}
	}
}

func TestAccessorsAllocateNothing(t *testing.T) {
	b := NewSchema("t").Timestamp("ts", TimestampMillisecond).Tag("host", String).Field("v", Float64).
		Field("raw", Binary).Field("n", Int64).Field("u", Uint64).Field("ok", Boolean).NewBatch("")
	for i := 0; i < 100; i++ {
		if err := b.AddRow(TimestampMillisecondValue(int64(i)), StringValue("host-a"), Float64Value(float64(i)),
			BinaryValue([]byte("xy")), Int64Value(int64(i)), Uint64Value(uint64(i)), BoolValue(i%2 == 0)); err != nil {
			t.Fatal(err)
		}
	}
	var sink int
	allocs := testing.AllocsPerRun(100, func() {
		for i := 0; i < b.Rows(); i++ {
			s, _ := b.Col(1).String(i)
			by, _ := b.Col(3).Binary(i)
			f, _ := b.Col(2).Float64(i)
			n, _ := b.Col(4).Int64(i)
			u, _ := b.Col(5).Uint64(i)
			ok, _ := b.Col(6).Bool(i)
			ts, _ := b.Col(0).Timestamp(i)
			sink += len(s) + len(by) + int(f) + int(n) + int(u) + int(ts)
			if ok {
				sink++
			}
		}
	})
	if allocs != 0 {
		t.Fatalf("accessors allocated %v times per run", allocs)
	}
	_ = sink
}

func TestResetReusesBuffers(t *testing.T) {
	b := NewSchema("t").Timestamp("ts", TimestampMillisecond).Tag("host", String).NewBatch("db")
	fill := func() {
		for i := 0; i < 1000; i++ {
			_ = b.AddRow(TimestampMillisecondValue(int64(i)), StringValue("host"))
		}
	}
	fill()
	b.Reset(true)
	if b.Rows() != 0 || b.Col(1).Len() != 0 {
		t.Fatal("reset left rows")
	}
	allocs := testing.AllocsPerRun(10, func() { b.Reset(true); fill() })
	if allocs > 0 {
		t.Fatalf("refilling a reset batch allocated %v times", allocs)
	}
	b.Reset(false)
	if b.NumColumns() != 0 || b.Table != "" {
		t.Fatal("Reset(false) kept the schema")
	}
}

func TestHintsSortedAndKeyed(t *testing.T) {
	var h Hints
	h.Set("ttl", "7d")
	h.Set("append_mode", "true")
	h.Set("ttl", "1d")
	if h.Key() != "append_mode=true,ttl=1d" {
		t.Fatalf("key %q", h.Key())
	}
	if v, ok := h.Get("ttl"); !ok || v != "1d" {
		t.Fatal("get")
	}
}

func TestResetReusesColumnsByName(t *testing.T) {
	b := New("", "t")
	fill := func(names ...string) {
		for _, n := range names {
			c := b.MustColumn(n, String, Tag)
			for i := 0; i < 100; i++ {
				c.AppendString("0123456789")
			}
		}
	}
	fill("a", "b", "c")
	b.Reset(false)
	// Same names in another order: each gets its old buffer back.
	allocs := testing.AllocsPerRun(20, func() {
		fill("c", "a", "b")
		b.Reset(false)
	})
	if allocs > 0 {
		t.Fatalf("refilling by name allocated %v times", allocs)
	}
	// New names reuse spare columns instead of growing the set.
	fill("x", "y", "z")
	b.Reset(false)
	if n := len(b.spare); n != 3 {
		t.Fatalf("%d spare columns kept, want 3", n)
	}
}

func TestHintsEqual(t *testing.T) {
	var a, b Hints
	a.Set("ttl", "7d")
	a.Set("append_mode", "true")
	b.Set("append_mode", "true")
	b.Set("ttl", "7d")
	if !a.Equal(b) || a.Key() != b.Key() {
		t.Errorf("%v and %v differ", a, b)
	}
	b.Set("ttl", "1d")
	if a.Equal(b) || a.Equal(b[:1]) || !Hints(nil).Equal(Hints{}) {
		t.Error("Equal disagrees with the hints' contents")
	}
}

func TestSameLayout(t *testing.T) {
	mk := func(tbl string, edit func(*Schema)) *Batch {
		s := NewSchema(tbl).Timestamp("ts", TimestampMillisecond).Field("v", Float64).Tag("job", String)
		if edit != nil {
			edit(s)
		}
		return s.NewBatch("public")
	}
	base := mk("up", nil)
	for _, tc := range []struct {
		name string
		o    *Batch
		want bool
	}{
		{"same", mk("up", nil), true},
		{"other table", mk("down", nil), false},
		{"extra column", mk("up", func(s *Schema) { s.Tag("pod", String) }), false},
		{"other type", mk("up", func(s *Schema) { s.Columns[1].Type = Int64 }), false},
		{"other semantic", mk("up", func(s *Schema) { s.Columns[2].Semantic = Field }), false},
		{"options", mk("up", func(s *Schema) { s.Columns[2].Options = map[string]string{"k": "v"} }), false},
		{"decimal scale", mk("up", func(s *Schema) { s.Columns[1].Scale = 2 }), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := base.SameLayout(tc.o); got != tc.want {
				t.Errorf("SameLayout = %v, want %v", got, tc.want)
			}
			if got := tc.o.SameLayout(base); got != tc.want {
				t.Errorf("reversed SameLayout = %v, want %v", got, tc.want)
			}
		})
	}
	other := mk("up", nil)
	other.Database = "other"
	if base.SameLayout(other) {
		t.Error("batches of two databases share a layout")
	}
}

package table

import "testing"

func TestAppendBatchAlignsColumns(t *testing.T) {
	a := NewSchema("m").Timestamp("ts", TimestampMillisecond).Field("v", Float64).Tag("job", String).NewBatch("db")
	_ = a.AddRow(TimestampMillisecondValue(1), Float64Value(1), StringValue("a"))
	b := NewSchema("m").Timestamp("ts", TimestampMillisecond).Field("v", Float64).Tag("instance", String).NewBatch("db")
	_ = b.AddRow(TimestampMillisecondValue(2), Null(), StringValue("i1"))
	_ = b.AddRow(TimestampMillisecondValue(3), Float64Value(3), StringValue("i2"))
	b.Hints.Set("physical_table", "p")
	if err := a.AppendBatch(b); err != nil {
		t.Fatal(err)
	}
	if err := a.Validate(); err != nil {
		t.Fatal(err)
	}
	if a.Rows() != 3 || a.NumColumns() != 4 {
		t.Fatalf("rows %d cols %d", a.Rows(), a.NumColumns())
	}
	want := [][]Value{
		{TimestampMillisecondValue(1), Float64Value(1), StringValue("a"), Null()},
		{TimestampMillisecondValue(2), Null(), Null(), StringValue("i1")},
		{TimestampMillisecondValue(3), Float64Value(3), Null(), StringValue("i2")},
	}
	for i, row := range want {
		got := a.Row(i)
		for j := range row {
			if !got[j].Equal(row[j]) {
				t.Errorf("row %d col %d: got %v want %v", i, j, got[j], row[j])
			}
		}
	}
	if v, _ := a.Hints.Get("physical_table"); v != "p" {
		t.Error("hints not taken")
	}
}

func TestAppendBatchTypeConflictLeavesTargetUnchanged(t *testing.T) {
	a := NewSchema("m").Timestamp("ts", TimestampMillisecond).Field("v", Float64).NewBatch("")
	_ = a.AddRow(TimestampMillisecondValue(1), Float64Value(1))
	b := NewSchema("m").Timestamp("ts", TimestampMillisecond).Field("v", Int64).Tag("x", String).NewBatch("")
	_ = b.AddRow(TimestampMillisecondValue(1), Int64Value(1), StringValue("x"))
	if err := a.AppendBatch(b); err == nil {
		t.Fatal("type conflict accepted")
	}
	if a.Rows() != 1 || a.NumColumns() != 2 {
		t.Fatal("target changed")
	}
}

func TestAppendBatchToEmpty(t *testing.T) {
	src := NewSchema("m").Timestamp("ts", TimestampSecond).Field("s", String).NewBatch("")
	for i := 0; i < 20; i++ {
		v := StringValue("x")
		if i%3 == 0 {
			v = Null()
		}
		_ = src.AddRow(TimestampSecondValue(int64(i)), v)
	}
	dst := New("", "m")
	if err := dst.AppendBatch(src); err != nil {
		t.Fatal(err)
	}
	if err := dst.AppendBatch(src); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 40; i++ {
		if !dst.Col(1).Value(i).Equal(src.Col(1).Value(i % 20)) {
			t.Fatalf("row %d differs", i)
		}
	}
}

func TestAppendRowsTakesARange(t *testing.T) {
	src := New("db", "t")
	for i := range 5 {
		src.MustColumn("ts", TimestampMillisecond, Timestamp).AppendInt64(int64(100 + i))
		host := src.MustColumn("host", String, Tag)
		if i == 2 {
			host.AppendNull()
		} else {
			host.AppendString(string(rune('a' + i)))
		}
		if err := src.EndRow(); err != nil {
			t.Fatal(err)
		}
	}
	dst := New("db", "t")
	dst.MustColumn("ts", TimestampMillisecond, Timestamp).AppendInt64(1)
	dst.MustColumn("other", Int64, Field).AppendInt64(7)
	if err := dst.EndRow(); err != nil {
		t.Fatal(err)
	}
	if err := dst.AppendRows(src, 1, 4); err != nil {
		t.Fatal(err)
	}
	if dst.Rows() != 4 {
		t.Fatalf("rows %d, want 4", dst.Rows())
	}
	ts, host, other := dst.Column("ts"), dst.Column("host"), dst.Column("other")
	wantTS := []int64{1, 101, 102, 103}
	wantHost := []string{"", "b", "", "d"}
	wantHostNull := []bool{true, false, true, false}
	for i := range 4 {
		if v, _ := ts.Int64(i); v != wantTS[i] {
			t.Errorf("row %d ts %d, want %d", i, v, wantTS[i])
		}
		if host.IsNull(i) != wantHostNull[i] {
			t.Errorf("row %d host null %v, want %v", i, host.IsNull(i), wantHostNull[i])
		} else if v, _ := host.String(i); !wantHostNull[i] && v != wantHost[i] {
			t.Errorf("row %d host %q, want %q", i, v, wantHost[i])
		}
		if other.IsNull(i) != (i > 0) {
			t.Errorf("row %d other null %v", i, other.IsNull(i))
		}
	}
	for _, r := range [][2]int{{-1, 2}, {3, 2}, {0, 6}} {
		if err := dst.AppendRows(src, r[0], r[1]); err == nil {
			t.Errorf("rows %d to %d of 5 accepted", r[0], r[1])
		}
	}
	if dst.Rows() != 4 {
		t.Errorf("a refused range changed the batch: %d rows", dst.Rows())
	}
}

// TestAppendRowsMatchesByNameWhateverTheOrder: the positional fast path
// is taken only for the same columns in the same order; another order is
// matched by name, and a type conflict is refused either way.
func TestAppendRowsMatchesByNameWhateverTheOrder(t *testing.T) {
	mk := func(names ...string) *Batch {
		b := New("db", "t")
		b.MustColumn("ts", TimestampMillisecond, Timestamp).AppendInt64(1)
		for _, n := range names {
			b.MustColumn(n, String, Tag).AppendString(n + "-value")
		}
		if err := b.EndRow(); err != nil {
			t.Fatal(err)
		}
		return b
	}
	dst := mk("a", "b")
	if err := dst.AppendBatch(mk("a", "b")); err != nil {
		t.Fatal(err)
	}
	if err := dst.AppendBatch(mk("b", "a")); err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		for _, n := range []string{"a", "b"} {
			if v, _ := dst.Column(n).String(i); v != n+"-value" {
				t.Errorf("row %d column %s = %q", i, n, v)
			}
		}
	}
	same := New("db", "t")
	same.MustColumn("ts", TimestampMillisecond, Timestamp).AppendInt64(2)
	same.MustColumn("a", Int64, Field).AppendInt64(1)
	same.MustColumn("b", String, Tag).AppendString("x")
	if err := same.EndRow(); err != nil {
		t.Fatal(err)
	}
	if err := dst.AppendBatch(same); err == nil {
		t.Error("a type conflict in the same layout was accepted")
	}
	if dst.Rows() != 3 {
		t.Errorf("a refused batch changed the target: %d rows", dst.Rows())
	}
}

func TestJSONCheckedSurvivesOnlyCheckedAppends(t *testing.T) {
	mk := func(checked bool) *Batch {
		b := New("db", "logs")
		b.MustColumn("ts", TimestampMillisecond, Timestamp).AppendInt64(1)
		c := b.MustColumn("attrs", JSON, Field)
		c.JSONChecked = checked
		c.AppendString(`{"a":1}`)
		if err := b.EndRow(); err != nil {
			t.Fatal(err)
		}
		return b
	}
	dst := New("db", "logs")
	if err := dst.AppendBatch(mk(true)); err != nil {
		t.Fatal(err)
	}
	if !dst.Column("attrs").JSONChecked {
		t.Fatal("an empty batch did not take the mark of what it received")
	}
	if err := dst.AppendBatch(mk(true)); err != nil {
		t.Fatal(err)
	}
	if !dst.Column("attrs").JSONChecked {
		t.Fatal("checked + checked lost the mark")
	}
	if err := dst.AppendBatch(mk(false)); err != nil {
		t.Fatal(err)
	}
	if dst.Column("attrs").JSONChecked {
		t.Fatal("an unchecked append kept the mark")
	}
	dst.Reset(false)
	if c := dst.MustColumn("attrs", JSON, Field); c.JSONChecked {
		t.Fatal("a reused column kept the mark")
	}
}

func TestUTF8CheckedSurvivesOnlyCheckedAppends(t *testing.T) {
	mk := func(checked bool) *Batch {
		b := New("db", "cpu")
		b.MustColumn("ts", TimestampMillisecond, Timestamp).AppendInt64(1)
		c := b.MustColumn("host", String, Tag)
		c.UTF8Checked = checked
		c.AppendString("a")
		if err := b.EndRow(); err != nil {
			t.Fatal(err)
		}
		return b
	}
	dst := New("db", "cpu")
	for i, step := range []struct{ checked, want bool }{{true, true}, {true, true}, {false, false}, {true, false}} {
		if err := dst.AppendBatch(mk(step.checked)); err != nil {
			t.Fatal(err)
		}
		if got := dst.Column("host").UTF8Checked; got != step.want {
			t.Fatalf("append %d (checked %v): mark %v, want %v", i, step.checked, got, step.want)
		}
	}
	dst.Reset(false)
	if c := dst.MustColumn("host", String, Tag); c.UTF8Checked {
		t.Fatal("a reused column kept the mark")
	}
}

// TestAppendAroundNull covers the appends' no-NULL fast path on both sides
// of a first NULL: values before it stay valid once the bitmap exists, and
// values after it are marked valid in it.
func TestAppendAroundNull(t *testing.T) {
	b := New("public", "t")
	ts := b.MustColumn("ts", TimestampMillisecond, Timestamp)
	f := b.MustColumn("f", Float64, Field)
	s := b.MustColumn("s", String, Tag)
	for i := range 10 {
		ts.AppendInt64(int64(i))
		if i != 3 {
			f.AppendFloat64(float64(i))
		}
		if i != 5 {
			s.AppendBytes([]byte{'a' + byte(i)})
		}
		if err := b.EndRow(); err != nil {
			t.Fatal(err)
		}
	}
	if err := b.Validate(); err != nil {
		t.Fatal(err)
	}
	for i := range 10 {
		if v, ok := f.Float64(i); ok != (i != 3) || ok && v != float64(i) {
			t.Errorf("f[%d] = %v, %v", i, v, ok)
		}
		if v, ok := s.String(i); ok != (i != 5) || ok && v != string(rune('a'+i)) {
			t.Errorf("s[%d] = %q, %v", i, v, ok)
		}
		if v, ok := ts.Int64(i); !ok || v != int64(i) {
			t.Errorf("ts[%d] = %v, %v", i, v, ok)
		}
	}
	if f.NullCount() != 1 || s.NullCount() != 1 || ts.NullCount() != 0 {
		t.Errorf("null counts %d %d %d", f.NullCount(), s.NullCount(), ts.NullCount())
	}
}

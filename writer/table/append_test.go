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

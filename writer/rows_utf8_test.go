package writer

import (
	"errors"
	"strings"
	"testing"
	"unicode/utf8"

	gpb "github.com/GreptimeTeam/greptime-proto/go/greptime/v1"

	"github.com/greptime-bridge/greptime-bridge/writer/table"
)

// stringColumn returns a STRING column of vals, nil being NULL.
func stringColumn(vals []*string) *table.Column {
	b := table.NewSchema("t").Timestamp("ts", table.TimestampMillisecond).Field("s", table.String).NewBatch("")
	c := b.Col(1)
	for i, v := range vals {
		b.Col(0).AppendInt64(int64(i))
		if v == nil {
			c.AppendNull()
		} else {
			c.AppendString(*v)
		}
		if err := b.EndRow(); err != nil {
			panic(err)
		}
	}
	return c
}

func TestFirstInvalidUTF8(t *testing.T) {
	s := func(v string) *string { return &v }
	split := "é" // 0xc3 0xa9: each half alone is invalid, together valid
	cases := []struct {
		name string
		vals []*string
		want int
	}{
		{"ascii", []*string{s("a"), s(""), s("job")}, -1},
		{"multibyte", []*string{s("héllo"), s("日本"), s("🙂")}, -1},
		{"nulls", []*string{nil, s("x"), nil}, -1},
		{"bad value", []*string{s("ok"), s("b\xffd"), s("\xfe")}, 1},
		{"character split over two values", []*string{s("a"), s(split[:1]), s(split[1:])}, 1},
		{"continuation byte first", []*string{s(split[1:]), s("x")}, 0},
		{"truncated at the end", []*string{s("x"), s(split[:1])}, 1},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := firstInvalidUTF8(stringColumn(tc.vals)); got != tc.want {
				t.Fatalf("first invalid row %d, want %d", got, tc.want)
			}
		})
	}
}

// FuzzFirstInvalidUTF8 checks the whole-buffer check against checking each
// value on its own.
func FuzzFirstInvalidUTF8(f *testing.F) {
	f.Add([]byte("a\xc3\xa9b"), []byte{1, 1, 2})
	f.Add([]byte("\xff"), []byte{0, 1})
	f.Fuzz(func(t *testing.T, data, cuts []byte) {
		var vals []*string
		for _, c := range cuts {
			if c == 0xff {
				vals = append(vals, nil)
				continue
			}
			n := min(int(c%8), len(data))
			v := string(data[:n])
			data = data[n:]
			vals = append(vals, &v)
		}
		if len(vals) == 0 {
			return
		}
		want := -1
		for i, v := range vals {
			if v != nil && !utf8.ValidString(*v) {
				want = i
				break
			}
		}
		if got := firstInvalidUTF8(stringColumn(vals)); got != want {
			t.Fatalf("first invalid row %d, want %d", got, want)
		}
	})
}

// TestInvalidUTF8IsInvalidInput: what protobuf-go refused to marshal (a
// gRPC Internal error, before the encoder) is refused before sending.
func TestInvalidUTF8IsInvalidInput(t *testing.T) {
	mk := func(name, col string, opts map[string]string, typ table.DataType, v table.Value) *table.Batch {
		b := table.NewSchema(name).Timestamp("ts", table.TimestampMillisecond).Field(col, typ).WithOptions(opts).NewBatch("")
		if err := b.AddRow(table.TimestampMillisecondValue(1), v); err != nil {
			t.Fatal(err)
		}
		return b
	}
	for name, tc := range map[string]struct {
		b    *table.Batch
		want string
	}{
		"string":      {mk("t", "c", nil, table.String, table.StringValue("\xff")), "row 0: string is not valid utf-8"},
		"json":        {mk("t", "c", nil, table.JSON, table.JSONValue("\"\xff\"")), "row 0: json text is not valid utf-8"},
		"table name":  {mk("t\xff", "c", nil, table.String, table.StringValue("x")), "table name is not valid utf-8"},
		"column name": {mk("t", "c\xff", nil, table.String, table.StringValue("x")), "column name is not valid utf-8"},
		"option":      {mk("t", "c", map[string]string{"k": "\xff"}, table.String, table.StringValue("x")), `column option "k" is not valid utf-8`},
	} {
		t.Run(name, func(t *testing.T) {
			err := validateBatch(tc.b)
			if !errors.Is(err, ErrInvalidInput) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want %q", err, tc.want)
			}
		})
	}
	_, err := (&rowEncoder{}).encode(&gpb.RequestHeader{Dbname: "d\xff"}, promFlush(1, 1))
	if !errors.Is(err, ErrInvalidInput) || !strings.Contains(err.Error(), "database name is not valid utf-8") {
		t.Fatalf("header: %v", err)
	}
}

// TestUTF8CheckedSkipsOnlyTheValueCheck: a STRING or JSON column its
// producer vouches for is not scanned again, and a column without the mark
// still is.
func TestUTF8CheckedSkipsOnlyTheValueCheck(t *testing.T) {
	for _, checked := range []bool{false, true} {
		b := table.NewSchema("t").Timestamp("ts", table.TimestampMillisecond).Tag("host", table.String).JSON("attrs").NewBatch("")
		b.Col(1).UTF8Checked = checked
		b.Col(2).UTF8Checked, b.Col(2).JSONChecked = checked, true
		if err := b.AddRow(table.TimestampMillisecondValue(1), table.StringValue("\xff"), table.JSONValue("\"\xff\"")); err != nil {
			t.Fatal(err)
		}
		if !checked {
			// The STRING column fails first; the JSON column alone too.
			one := table.NewSchema("t").Timestamp("ts", table.TimestampMillisecond).JSON("attrs").NewBatch("")
			one.Col(1).JSONChecked = true
			if err := one.AddRow(table.TimestampMillisecondValue(1), table.JSONValue("\"\xff\"")); err != nil {
				t.Fatal(err)
			}
			if err := validateBatch(one); !errors.Is(err, ErrInvalidInput) {
				t.Errorf("unmarked json column with invalid utf-8 passed: %v", err)
			}
		}
		err := validateBatch(b)
		if checked && err != nil {
			t.Errorf("vouched-for column checked again: %v", err)
		}
		if !checked && !errors.Is(err, ErrInvalidInput) {
			t.Errorf("unmarked column with invalid utf-8 passed: %v", err)
		}
	}
}

// TestRunOfOneLayoutStillChecksValues: a batch following one of its layout
// skips only the name and schema checks; its values are checked, and a
// batch of another layout is checked whole.
func TestRunOfOneLayoutStillChecksValues(t *testing.T) {
	mk := func(col, v string) *table.Batch {
		b := table.NewSchema("t").Timestamp("ts", table.TimestampMillisecond).Field(col, table.String).NewBatch("")
		if err := b.AddRow(table.TimestampMillisecondValue(1), table.StringValue(v)); err != nil {
			t.Fatal(err)
		}
		return b
	}
	good := mk("c", "x")
	if known, err := validateBatchAfter(mk("c", "y"), good); err != nil || !known {
		t.Fatalf("same layout, valid values: known %v, %v", known, err)
	}
	if _, err := validateBatchAfter(mk("c", "\xff"), good); !errors.Is(err, ErrInvalidInput) || !strings.Contains(err.Error(), "not valid utf-8") {
		t.Errorf("same layout, invalid value: got %v, want the value refused", err)
	}
	if _, err := validateBatchAfter(mk("c\xff", "x"), good); !errors.Is(err, ErrInvalidInput) || !strings.Contains(err.Error(), "column name is not valid utf-8") {
		t.Errorf("other layout: got %v, want its name refused", err)
	}
	short := mk("c", "x")
	short.Col(1).AppendString("extra") // two values for one row
	if _, err := validateBatchAfter(short, good); !errors.Is(err, ErrInvalidInput) {
		t.Errorf("same layout, column longer than the batch: got %v", err)
	}
}

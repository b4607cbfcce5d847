package greptimetest

import (
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"google.golang.org/grpc/codes"

	"github.com/greptime-bridge/greptime-bridge/writer/table"
)

func TestIPCLayoutCounts(t *testing.T) {
	cases := []struct {
		typ                   arrow.DataType
		nodes, buffers, views int
	}{
		{arrow.PrimitiveTypes.Int64, 1, 2, 0},
		{arrow.FixedWidthTypes.Boolean, 1, 2, 0},
		{arrow.BinaryTypes.String, 1, 3, 0},
		{arrow.BinaryTypes.LargeBinary, 1, 3, 0},
		{arrow.BinaryTypes.StringView, 1, 2, 1},
		{arrow.Null, 1, 0, 0},
		{arrow.ListOf(arrow.PrimitiveTypes.Int32), 2, 4, 0},
		{arrow.FixedSizeListOf(2, arrow.PrimitiveTypes.Int32), 2, 3, 0},
		{arrow.StructOf(arrow.Field{Name: "a", Type: arrow.BinaryTypes.String}), 2, 4, 0},
		{&arrow.DictionaryType{IndexType: arrow.PrimitiveTypes.Int32, ValueType: arrow.BinaryTypes.String}, 1, 2, 0},
		{arrow.BinaryTypes.LargeString, 1, 3, 0},
	}
	for _, c := range cases {
		l, err := ipcLayoutOf(arrow.NewSchema([]arrow.Field{{Name: "c", Type: c.typ}}, nil))
		if err != nil || l.nodes != c.nodes || l.buffers != c.buffers || l.views != c.views {
			t.Errorf("%s: layout %+v, %v; want %d nodes, %d buffers, %d views", c.typ, l, err, c.nodes, c.buffers, c.views)
		}
	}
	_, err := ipcLayoutOf(arrow.NewSchema([]arrow.Field{{Name: "u", Type: arrow.SparseUnionOf(nil, nil)}}, nil))
	if err == nil || !strings.Contains(err.Error(), "column u") {
		t.Errorf("union layout: %v", err)
	}
}

// TestDoPutDictionaryEncodedColumns: dictionary batches are absorbed; a
// dictionary-encoded string TAG is cast like any string tag, while a
// dictionary-encoded field is a type mismatch (part.rs convert_bulk_part).
func TestDoPutDictionaryEncodedColumns(t *testing.T) {
	s := StartT(t, Options{})
	putMkTable(t, s, "public", putCPUTable("cpu"))
	mem := memory.NewGoAllocator()
	dict := func(v arrow.DataType) arrow.DataType {
		return &arrow.DictionaryType{IndexType: arrow.PrimitiveTypes.Int32, ValueType: v}
	}
	ts := arrow.Field{Name: "ts", Type: &arrow.TimestampType{Unit: arrow.Millisecond}}
	send := func(sc *arrow.Schema, fill func(b *array.RecordBuilder)) (*putConn, error) {
		p := openPut(t, putDial(t, s.Addr()))
		p.mustRecv()
		b := array.NewRecordBuilder(mem, sc)
		defer b.Release()
		fill(b)
		rec := b.NewRecordBatch()
		defer rec.Release()
		_ = p.writer("cpu", sc).WriteWithAppMetadata(rec, putIDMeta(1))
		_, err := p.recv()
		return p, err
	}
	appendStr := func(b array.Builder, vs ...string) {
		for _, v := range vs {
			if err := b.(*array.BinaryDictionaryBuilder).AppendString(v); err != nil {
				t.Fatal(err)
			}
		}
	}

	tag := arrow.NewSchema([]arrow.Field{{Name: "host", Type: dict(arrow.BinaryTypes.String), Nullable: true}, ts}, nil)
	if _, err := send(tag, func(b *array.RecordBuilder) {
		appendStr(b.Field(0), "a", "b", "a")
		b.Field(1).(*array.TimestampBuilder).AppendValues([]arrow.Timestamp{1, 2, 3}, nil)
	}); err != nil {
		t.Fatalf("dictionary-encoded tag: %v", err)
	}
	rows := s.Rows("public", "cpu")
	if len(rows) != 3 || !rows[2][0].Equal(table.StringValue("a")) || !rows[1][0].Equal(table.StringValue("b")) {
		t.Fatalf("rows = %v", rows)
	}

	field := arrow.NewSchema([]arrow.Field{ts, {Name: "note", Type: dict(arrow.BinaryTypes.String), Nullable: true}}, nil)
	p, err := send(field, func(b *array.RecordBuilder) {
		b.Field(0).(*array.TimestampBuilder).Append(4)
		appendStr(b.Field(1), "x")
	})
	putWantStatus(t, p, err, codes.Internal, int(StatusUnexpected),
		"Failed to create RecordBatch from vectors: Invalid argument error: column types must match schema types, expected Utf8 but found Dictionary(Int32, Utf8) at column index 2")

	mixed := arrow.NewSchema([]arrow.Field{
		{Name: "host", Type: dict(arrow.BinaryTypes.String), Nullable: true},
		ts,
		{Name: "usage", Type: dict(arrow.PrimitiveTypes.Float64), Nullable: true},
	}, nil)
	p, err = send(mixed, func(b *array.RecordBuilder) {
		appendStr(b.Field(0), "a")
		b.Field(1).(*array.TimestampBuilder).Append(5)
		if err := b.Field(2).(*array.Float64DictionaryBuilder).Append(1.5); err != nil {
			t.Fatal(err)
		}
	})
	putWantStatus(t, p, err, codes.InvalidArgument, int(StatusInvalidArguments),
		`Incomplete GRPC request: Stream error: Status { code: InvalidArgument, message: "Failed to decode RecordBatch: Invalid FlightData, reason: greptimetest: dictionaries with values of different layouts are not supported", source: None }`)
}

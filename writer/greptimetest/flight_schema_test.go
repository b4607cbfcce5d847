package greptimetest

import (
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"google.golang.org/grpc/codes"

	"github.com/greptime-bridge/greptime-bridge/writer/table"
)

// putStrictTable is putCPUTable with a NOT NULL field.
func putStrictTable(name string) TableInfo {
	ti := putCPUTable(name)
	ti.Columns = append(ti.Columns, ColumnInfo{Name: "required", Type: table.Int64, Semantic: table.Field})
	return ti
}

func TestDoPutSchemaMatching(t *testing.T) {
	f := func(name string, typ arrow.DataType) arrow.Field {
		return arrow.Field{Name: name, Type: typ, Nullable: true}
	}
	str, f64, ms := arrow.BinaryTypes.String, arrow.PrimitiveTypes.Float64, &arrow.TimestampType{Unit: arrow.Millisecond}
	const mismatch = "Failed to create RecordBatch from vectors: Invalid argument error: column types must match schema types, "
	cases := []struct {
		name   string
		table  TableInfo
		fields []arrow.Field
		row    []any
		code   codes.Code
		gcode  StatusCode
		msg    string
		want   []table.Value // stored row, when accepted
	}{
		{
			name:   "exact",
			table:  putCPUTable("t"),
			fields: []arrow.Field{f("host", str), putTSField(ms), f("usage", f64), f("note", str)},
			row:    []any{"h", int64(5), 0.5, "n"},
			want:   []table.Value{table.StringValue("h"), table.TimestampMillisecondValue(5), table.Float64Value(0.5), table.StringValue("n")},
		},
		{
			name:   "columns in another order, missing nullable filled with NULL",
			table:  putCPUTable("t"),
			fields: []arrow.Field{f("usage", f64), putTSField(ms)},
			row:    []any{2.5, int64(6)},
			want:   []table.Value{table.Null(), table.TimestampMillisecondValue(6), table.Float64Value(2.5), table.Null()},
		},
		{
			name:   "extra column silently dropped",
			table:  putCPUTable("t"),
			fields: []arrow.Field{f("host", str), putTSField(ms), f("usage", f64), f("brand_new", str)},
			row:    []any{"h", int64(7), 1.0, "lost"},
			want:   []table.Value{table.StringValue("h"), table.TimestampMillisecondValue(7), table.Float64Value(1), table.Null()},
		},
		{
			name:   "LargeUtf8 tag cast",
			table:  putCPUTable("t"),
			fields: []arrow.Field{f("host", arrow.BinaryTypes.LargeString), putTSField(ms)},
			row:    []any{"big", int64(8)},
			want:   []table.Value{table.StringValue("big"), table.TimestampMillisecondValue(8), table.Null(), table.Null()},
		},
		{
			name:   "Utf8View tag cast",
			table:  putCPUTable("t"),
			fields: []arrow.Field{f("host", arrow.BinaryTypes.StringView), putTSField(ms)},
			row:    []any{"view", int64(9)},
			want:   []table.Value{table.StringValue("view"), table.TimestampMillisecondValue(9), table.Null(), table.Null()},
		},
		{
			name:   "LargeUtf8 field not cast",
			table:  putCPUTable("t"),
			fields: []arrow.Field{putTSField(ms), f("note", arrow.BinaryTypes.LargeString)},
			row:    []any{int64(1), "x"},
			code:   codes.Internal, gcode: StatusUnexpected,
			msg: mismatch + "expected Utf8 but found LargeUtf8 at column index 2",
		},
		{
			name:   "field type mismatch, index in the flat layout",
			table:  putCPUTable("t"),
			fields: []arrow.Field{f("usage", arrow.PrimitiveTypes.Int32), putTSField(ms), f("host", str)},
			row:    []any{int32(1), int64(1), "h"},
			code:   codes.Internal, gcode: StatusUnexpected,
			msg: mismatch + "expected Float64 but found Int32 at column index 1",
		},
		{
			name:   "time index with a time zone",
			table:  putCPUTable("t"),
			fields: []arrow.Field{putTSField(&arrow.TimestampType{Unit: arrow.Millisecond, TimeZone: "UTC"})},
			row:    []any{int64(1)},
			code:   codes.Internal, gcode: StatusUnexpected,
			msg: mismatch + `expected Timestamp(ms) but found Timestamp(ms, "UTC") at column index 3`,
		},
		{
			name:   "time index of another unit",
			table:  putCPUTable("t"),
			fields: []arrow.Field{putTSField(&arrow.TimestampType{Unit: arrow.Microsecond})},
			row:    []any{int64(1)},
			code:   codes.Internal, gcode: StatusUnexpected,
			msg: mismatch + "expected Timestamp(ms) but found Timestamp(µs) at column index 3",
		},
		{
			name:   "time index not a timestamp",
			table:  putCPUTable("t"),
			fields: []arrow.Field{{Name: "ts", Type: arrow.PrimitiveTypes.Int64}},
			row:    []any{int64(1)},
			// The real server panics its region worker here (§7.4).
			code: codes.Internal, gcode: StatusInternal, msg: "Internal error: 1003",
		},
		{
			name:   "time index missing",
			table:  putCPUTable("t"),
			fields: []arrow.Field{f("host", str)},
			row:    []any{"h"},
			code:   codes.InvalidArgument, gcode: StatusInvalidArguments,
			msg: "Invalid request to region 4398046511104(1024, 0), reason: timestamp column `ts` not found",
		},
		{
			name:   "NOT NULL column missing",
			table:  putStrictTable("t"),
			fields: []arrow.Field{putTSField(ms)},
			row:    []any{int64(1)},
			code:   codes.InvalidArgument, gcode: StatusInvalidArguments,
			msg: "Invalid request to region 4398046511104(1024, 0), reason: column required does not have default value",
		},
		{
			name: "missing columns get their DEFAULT",
			table: func() TableInfo {
				ti := putStrictTable("t")
				ti.Columns[4].Default = "42"        // required BIGINT NOT NULL DEFAULT 42
				ti.Columns[3].Default = "'unknown'" // note STRING DEFAULT 'unknown'
				return ti
			}(),
			fields: []arrow.Field{putTSField(ms)},
			row:    []any{int64(3)},
			want: []table.Value{
				table.Null(), table.TimestampMillisecondValue(3), table.Null(),
				table.StringValue("unknown"), table.Int64Value(42),
			},
		},
		{
			name:   "tag of another type fails while encoding the primary key",
			table:  putCPUTable("t"),
			fields: []arrow.Field{f("host", arrow.PrimitiveTypes.Int64), putTSField(ms)},
			row:    []any{int64(5), int64(1)},
			code:   codes.Internal, gcode: StatusIllegalState,
			msg: "Failed to cast value ref Int64(5) to String",
		},
		{
			name: "integer tag of another width",
			table: TableInfo{
				Name: "t", Engine: "mito", TimeIndex: "ts", PrimaryKey: []string{"id"},
				Columns: []ColumnInfo{
					{Name: "id", Type: table.Int64, Semantic: table.Tag, Nullable: true},
					{Name: "ts", Type: table.TimestampMillisecond, Semantic: table.Timestamp},
				},
			},
			fields: []arrow.Field{f("id", arrow.PrimitiveTypes.Int32), putTSField(ms)},
			row:    []any{int32(7), int64(1)},
			code:   codes.Internal, gcode: StatusIllegalState,
			msg: "Failed to cast value ref Int32(7) to Int64",
		},
		{
			name:   "all-NULL tag of another type is cast",
			table:  putCPUTable("t"),
			fields: []arrow.Field{f("host", arrow.PrimitiveTypes.Int64), putTSField(ms)},
			row:    []any{nil, int64(2)},
			want:   []table.Value{table.Null(), table.TimestampMillisecondValue(2), table.Null(), table.Null()},
		},
		{
			name:   "NULL time index in a field declared nullable",
			table:  putCPUTable("t"),
			fields: []arrow.Field{f("ts", ms)},
			row:    []any{nil},
			code:   codes.Internal, gcode: StatusUnexpected,
			msg: "Failed to create RecordBatch from vectors: Invalid argument error: Column 'ts' is declared as non-nullable but contains null values",
		},
		{
			name:   "NULL in a NOT NULL field",
			table:  putStrictTable("t"),
			fields: []arrow.Field{putTSField(ms), f("required", arrow.PrimitiveTypes.Int64)},
			row:    []any{int64(1), nil},
			code:   codes.Internal, gcode: StatusUnexpected,
			msg: "Failed to create RecordBatch from vectors: Invalid argument error: Column 'required' is declared as non-nullable but contains null values",
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := StartT(t, Options{})
			putMkTable(t, s, "public", tc.table)
			p := openPut(t, putDial(t, s.Addr()))
			p.mustRecv()
			sc := arrow.NewSchema(tc.fields, nil)
			putWrite(t, p.writer("t", sc), memory.NewGoAllocator(), sc, 1, tc.row)
			r, err := p.recv()
			if tc.msg != "" {
				putWantStatus(t, p, err, tc.code, int(tc.gcode), tc.msg)
				if n := s.RowCount("public", "t"); n != 0 {
					t.Fatalf("refused batch stored %d rows", n)
				}
				return
			}
			if err != nil || r.AffectedRows != 1 {
				t.Fatalf("response %s, %v", r.raw, err)
			}
			rows := s.Rows("public", "t")
			if len(rows) != 1 || len(rows[0]) != len(tc.want) {
				t.Fatalf("rows = %v", rows)
			}
			for i, v := range tc.want {
				if !rows[0][i].Equal(v) {
					t.Errorf("column %d = %v, want %v", i, rows[0][i], v)
				}
			}
			ti, _ := s.Table("public", "t")
			if len(ti.Columns) != len(tc.table.Columns) {
				t.Fatalf("bulk changed the schema: %v", ti.Columns)
			}
		})
	}
}

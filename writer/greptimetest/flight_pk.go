package greptimetest

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/greptime-bridge/greptime-bridge/writer/table"
)

// bulkEncodeKeys models the first step of convert_bulk_part on a mito
// table (mito2/src/memtable/bulk/part.rs): before the batch is rebuilt,
// every row's primary key is encoded from the tag columns with the dense
// codec, which reads each value as the column's type
// (mito-codec/src/row_converter/dense.rs SortField::serialize_by_type).
// A tag whose batch type differs fails on its first non-NULL value with
// datatypes' CastType, IllegalState 1006, "Failed to cast value ref
// <value> to <type>" (datatypes/src/value.rs impl_as_for_value_ref!).
// String batch types read as strings, so string tags pass here. Only the
// value and type spellings the test server can print are modelled; other
// mismatches fall through to the rebuild's type error.
func bulkEncodeKeys(ti TableInfo, index map[string]int, rec arrow.RecordBatch) error {
	for _, pk := range ti.PrimaryKey {
		c, ok := ti.Column(pk)
		i, present := index[pk]
		if !ok || !present {
			continue
		}
		arr := rec.Column(i)
		if sameKeyType(c, arr.DataType()) {
			continue
		}
		target, ok := valueRefTarget(c.Type)
		if !ok {
			continue
		}
		for row := 0; row < arr.Len(); row++ {
			if arr.IsNull(row) {
				continue
			}
			if v, ok := valueRefDebug(arr, row); ok {
				return newErr(StatusIllegalState, "Failed to cast value ref %s to %s", v, target)
			}
			break
		}
	}
	return nil
}

// sameKeyType reports whether a batch column of type t encodes as the tag
// column c without a cast error.
func sameKeyType(c ColumnInfo, t arrow.DataType) bool {
	if c.Type == table.String {
		return isStringType(t)
	}
	return arrow.TypeEqual(arrowTypeOf(c), t)
}

// valueRefTarget is the ValueRef variant name the dense codec asks for.
func valueRefTarget(t table.DataType) (string, bool) {
	switch t {
	case table.Boolean:
		return "Boolean", true
	case table.Int8, table.Int16, table.Int32, table.Int64:
		return "Int" + strings.TrimPrefix(t.String(), "INT"), true
	case table.Uint8, table.Uint16, table.Uint32, table.Uint64:
		return "UInt" + strings.TrimPrefix(t.String(), "UINT"), true
	case table.String:
		return "String", true
	case table.Binary:
		return "Binary", true
	}
	return "", false
}

// valueRefDebug prints row i of arr as Rust's Debug prints the ValueRef
// the server builds from it, for the simple layouts.
func valueRefDebug(arr arrow.Array, i int) (string, bool) {
	switch a := arr.(type) {
	case *array.Boolean:
		return fmt.Sprintf("Boolean(%t)", a.Value(i)), true
	case *array.Int8:
		return fmt.Sprintf("Int8(%d)", a.Value(i)), true
	case *array.Int16:
		return fmt.Sprintf("Int16(%d)", a.Value(i)), true
	case *array.Int32:
		return fmt.Sprintf("Int32(%d)", a.Value(i)), true
	case *array.Int64:
		return fmt.Sprintf("Int64(%d)", a.Value(i)), true
	case *array.Uint8:
		return fmt.Sprintf("UInt8(%d)", a.Value(i)), true
	case *array.Uint16:
		return fmt.Sprintf("UInt16(%d)", a.Value(i)), true
	case *array.Uint32:
		return fmt.Sprintf("UInt32(%d)", a.Value(i)), true
	case *array.Uint64:
		return fmt.Sprintf("UInt64(%d)", a.Value(i)), true
	case *array.String:
		return "String(" + strconv.Quote(a.Value(i)) + ")", true
	case *array.LargeString:
		return "String(" + strconv.Quote(a.Value(i)) + ")", true
	case *array.StringView:
		return "String(" + strconv.Quote(a.Value(i)) + ")", true
	case *array.Binary:
		var b strings.Builder
		b.WriteString("Binary([")
		for j, x := range a.Value(i) {
			if j > 0 {
				b.WriteString(", ")
			}
			b.WriteString(strconv.Itoa(int(x)))
		}
		b.WriteString("])")
		return b.String(), true
	}
	return "", false
}

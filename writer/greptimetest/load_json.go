package greptimetest

import (
	"bytes"

	gpb "github.com/GreptimeTeam/greptime-proto/go/greptime/v1"
	"google.golang.org/protobuf/encoding/protowire"

	"github.com/greptime-bridge/greptime-bridge/writer/internal/jsontext"
	"github.com/greptime-bridge/greptime-bridge/writer/table"
)

// jsonPrep is what the load mode keeps of one insert's JSON columns for
// the preprocessing that handle_row_inserts runs before anything else
// (operator/src/req_convert/common.rs prepare_rows): the columns, and the
// error the conversion of their values to JSONB gives, if any. It is
// worked out while the request's bytes are still there (decode) and
// applied by handleLoad when the request takes the non-metric path.
type jsonPrep struct {
	cols []int32
	err  *Error
}

// prepareJSON fills lr.prep for the inserts that have JSON columns. The
// walk has already validated every byte, so the second pass over an
// insert's rows cannot fail; only inserts with a JSON column take it.
func (lr *loadRequest) prepareJSON() {
	for i, sp := range lr.spans {
		var cols []int32
		for j, cs := range lr.schema[sp.schema0:sp.schema1] {
			if cs.GetDatatype() == gpb.ColumnDataType_JSON {
				cols = append(cols, int32(j))
			}
		}
		if cols == nil {
			continue
		}
		if lr.prep == nil {
			lr.prep = make([]jsonPrep, len(lr.spans))
		}
		lr.prep[i] = jsonPrep{cols: cols, err: firstJSONError(sp.raw, cols, lr.kinds[sp.kinds0:sp.kinds1])}
	}
	for i := range lr.spans {
		lr.spans[i].raw = nil // the request's bytes are freed after decode
	}
}

// firstJSONError is the error prepare_rows meets first on one insert's
// rows, or nil: it goes column by column (JSON columns in schema order),
// row by row within each, skipping NULLs and rows too short to reach the
// column. A value that is not a string is Unexpected; a string that is
// not JSON text is InvalidJsonFormat (encode_string_to_jsonb_binary). The
// text is checked with jsontext.Valid, as preprocessRows does in the other
// modes. raw is the RowInsertRequest's bytes; kinds its values' variants.
func firstJSONError(raw []byte, cols []int32, kinds []uint8) *Error {
	// The walk is row-major; the first error in column-major order is the
	// one with the lowest column, then the lowest row. Rows come in
	// order, so a column's first failure is its lowest row.
	best := int32(-1)
	var bestErr *Error
	// Resource and scope attributes repeat row after row: the text last
	// found valid in each column is not parsed again (2.7 → 2.0 µs CPU
	// per record on BenchmarkLogsShapedInsert/load).
	var buf [4][]byte
	valid := buf[:0]
	if len(cols) > len(buf) {
		valid = make([][]byte, len(cols))
	}
	valid = valid[:len(cols)]
	ki := 0
	forEachRow(raw, func(row []byte) {
		j := int32(0)
		for len(row) > 0 {
			num, typ, n := consumeTag(row)
			row = row[n:]
			if num != fieldValues || typ != protowire.BytesType {
				row = row[protowire.ConsumeFieldValue(num, typ, row):]
				continue
			}
			v, n := consumeBytes(row)
			row = row[n:]
			k := kinds[ki]
			ki++
			col := j
			j++
			if k == kindNull || (best >= 0 && col >= best) {
				continue
			}
			x := jsonColIndex(cols, col)
			switch {
			case x < 0:
			case k != uint8(table.String):
				best, bestErr = col, jsonNotString()
			default:
				s := lastString(v)
				switch {
				case valid[x] != nil && bytes.Equal(s, valid[x]):
				case jsontext.Valid(s):
					valid[x] = s
				default:
					best, bestErr = col, invalidJSONText(string(s))
				}
			}
		}
	})
	return bestErr
}

// jsonColIndex is the position of column c in cols, or -1.
func jsonColIndex(cols []int32, c int32) int {
	for i, x := range cols {
		if x == c {
			return i
		}
	}
	return -1
}

// forEachRow calls f with every Row of a RowInsertRequest's Rows fields,
// in order (protobuf appends the rows of repeated occurrences).
func forEachRow(raw []byte, f func(row []byte)) {
	for len(raw) > 0 {
		num, typ, n := consumeTag(raw)
		raw = raw[n:]
		if num != fieldRows || typ != protowire.BytesType {
			raw = raw[protowire.ConsumeFieldValue(num, typ, raw):]
			continue
		}
		rows, n := consumeBytes(raw)
		raw = raw[n:]
		for len(rows) > 0 {
			num, typ, n := consumeTag(rows)
			rows = rows[n:]
			if num != fieldRow || typ != protowire.BytesType {
				rows = rows[protowire.ConsumeFieldValue(num, typ, rows):]
				continue
			}
			row, n := consumeBytes(rows)
			rows = rows[n:]
			f(row)
		}
	}
}

// stringValueField is the field number of Value.string_value.
var stringValueField = (&gpb.Value{}).ProtoReflect().Descriptor().Fields().ByName("string_value").Number()

// lastString returns the payload of a Value's string_value, the variant
// walkValue found: the last occurrence wins, as in protobuf-go.
func lastString(v []byte) []byte {
	var s []byte
	for len(v) > 0 {
		n, typ, l := consumeTag(v)
		v = v[l:]
		if n == stringValueField && typ == protowire.BytesType {
			var m int
			s, m = consumeBytes(v)
			v = v[m:]
			continue
		}
		v = v[protowire.ConsumeFieldValue(n, typ, v):]
	}
	return s
}

// applyJSON is prepare_rows' effect on the checks that follow it: each
// JSON column is marked JSON_BINARY and its string values become binary
// ones. It returns the insert's preprocessing error first, if any.
func (lr *loadRequest) applyJSON() error {
	for i, p := range lr.prep {
		if p.err != nil {
			return p.err
		}
		if p.cols == nil {
			continue
		}
		ins := &lr.inserts[i]
		for _, c := range p.cols {
			ins.schema[c].DatatypeExtension = &gpb.ColumnDataTypeExtension{
				TypeExt: &gpb.ColumnDataTypeExtension_JsonType{JsonType: gpb.JsonTypeExtension_JSON_BINARY},
			}
		}
		off := 0
		for _, n := range ins.lens {
			for _, c := range p.cols {
				if int(c) < int(n) && ins.kinds[off+int(c)] == uint8(table.String) {
					ins.kinds[off+int(c)] = uint8(table.Binary)
				}
			}
			off += int(n)
		}
	}
	return nil
}

package greptimetest

import (
	"errors"

	gpb "github.com/GreptimeTeam/greptime-proto/go/greptime/v1"
	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"
)

// The walker's errors are protobuf-go's own for the same faults, taken
// from it at start (its messages vary by build on purpose, so they cannot
// be spelled here): the load mode answers a malformed request as the
// normal mode does (grpc: error unmarshalling request: …).
var (
	errWire = protoError([]byte{0x00})             // field number 0
	errUTF8 = protoError([]byte{0x6a, 0x01, 0xff}) // string_value "\xff"
	// errFallback says the request needs the full decode: it is not a row
	// insert, or it carries VECTOR columns (checked from their values) or
	// nested list, struct or JSON values.
	errFallback = errors.New("greptimetest: request needs the full decode")
)

// protoError returns the error protobuf-go gives for b as a Value.
func protoError(b []byte) error {
	err := proto.Unmarshal(b, &gpb.Value{})
	if err == nil {
		panic("greptimetest: protobuf accepted a malformed message")
	}
	return err
}

// Field numbers of greptime-proto's greptime/v1 database.proto and row.proto.
const (
	fieldReqHeader      = 1 // GreptimeRequest.header
	fieldReqRowInserts  = 6 // GreptimeRequest.row_inserts
	fieldReqLastVariant = 7 // GreptimeRequest.row_deletes, last oneof variant
	fieldInserts        = 1 // RowInsertRequests.inserts
	fieldTableName      = 1 // RowInsertRequest.table_name
	fieldRows           = 2 // RowInsertRequest.rows
	fieldSchema         = 1 // Rows.schema
	fieldRow            = 2 // Rows.rows
	fieldColumnName     = 1 // ColumnSchema.column_name
	fieldDatatype       = 2 // ColumnSchema.datatype
	fieldSemantic       = 3 // ColumnSchema.semantic_type
	fieldExtension      = 4 // ColumnSchema.datatype_extension
	fieldOptions        = 5 // ColumnSchema.options
	fieldValues         = 1 // Row.values
)

// insertSpan locates one insert's parts in a loadRequest's slabs while
// the walk may still grow them.
type insertSpan struct {
	table            string
	raw              []byte // the RowInsertRequest, until decode returns
	schema0, schema1 int
	lens0, lens1     int
	kinds0, kinds1   int
}

// walk reads a GreptimeRequest's wire bytes into lr: the header is decoded
// by protobuf-go (it is small), each row insert's table name and column
// schemas are read, and of the rows only each row's value count and each
// value's variant are kept. Everything protobuf-go validates is validated
// in the same order (wire format, UTF-8 of strings, nested messages), so
// a request fails here exactly when proto.Unmarshal fails. Merged fields
// follow protobuf's rules: a repeated message field appearing twice
// appends, a scalar's last occurrence wins, a field with another wire type
// than its declared one is an unknown field. The work is linear in len(b).
func (lr *loadRequest) walk(b []byte) error {
	rowInserts := false
	for len(b) > 0 {
		num, typ, n := consumeTag(b)
		if n < 0 {
			return errWire
		}
		b = b[n:]
		switch {
		case num == fieldReqHeader && typ == protowire.BytesType:
			v, n := consumeBytes(b)
			if n < 0 {
				return errWire
			}
			if lr.header == nil {
				lr.header = &gpb.RequestHeader{}
			}
			if err := (proto.UnmarshalOptions{Merge: true}).Unmarshal(v, lr.header); err != nil {
				return err
			}
			b = b[n:]
			continue
		case num == fieldReqRowInserts && typ == protowire.BytesType:
			v, n := consumeBytes(b)
			if n < 0 {
				return errWire
			}
			rowInserts = true
			if err := lr.walkInserts(v); err != nil {
				return err
			}
			b = b[n:]
			continue
		case num > fieldReqHeader && num <= fieldReqLastVariant:
			// Another request variant replaces or precedes the row inserts.
			return errFallback
		}
		if n = protowire.ConsumeFieldValue(num, typ, b); n < 0 {
			return errWire
		}
		b = b[n:]
	}
	if !rowInserts {
		return errFallback
	}
	return nil
}

// walkInserts reads a RowInsertRequests.
func (lr *loadRequest) walkInserts(b []byte) error {
	for len(b) > 0 {
		num, typ, n := consumeTag(b)
		if n < 0 {
			return errWire
		}
		b = b[n:]
		if num == fieldInserts && typ == protowire.BytesType {
			v, n := consumeBytes(b)
			if n < 0 {
				return errWire
			}
			if err := lr.walkInsert(v); err != nil {
				return err
			}
			b = b[n:]
			continue
		}
		if n = protowire.ConsumeFieldValue(num, typ, b); n < 0 {
			return errWire
		}
		b = b[n:]
	}
	return nil
}

// walkInsert reads one RowInsertRequest. Its Rows may come in several
// occurrences, which protobuf merges by appending schema and rows; the
// walk appends them to the slabs in the same order, so one insert's parts
// stay contiguous.
func (lr *loadRequest) walkInsert(b []byte) error {
	sp := insertSpan{raw: b, schema0: len(lr.schema), lens0: len(lr.lens), kinds0: len(lr.kinds)}
	for len(b) > 0 {
		num, typ, n := consumeTag(b)
		if n < 0 {
			return errWire
		}
		b = b[n:]
		switch {
		case num == fieldTableName && typ == protowire.BytesType:
			v, n := consumeBytes(b)
			if n < 0 {
				return errWire
			}
			if !validUTF8(v) {
				return errUTF8
			}
			sp.table = lr.intern(v)
			b = b[n:]
			continue
		case num == fieldRows && typ == protowire.BytesType:
			v, n := consumeBytes(b)
			if n < 0 {
				return errWire
			}
			if err := lr.walkRows(v); err != nil {
				return err
			}
			b = b[n:]
			continue
		}
		if n = protowire.ConsumeFieldValue(num, typ, b); n < 0 {
			return errWire
		}
		b = b[n:]
	}
	sp.schema1, sp.lens1, sp.kinds1 = len(lr.schema), len(lr.lens), len(lr.kinds)
	lr.spans = append(lr.spans, sp)
	return nil
}

// walkRows reads a Rows: column schemas and rows.
func (lr *loadRequest) walkRows(b []byte) error {
	for len(b) > 0 {
		num, typ, n := consumeTag(b)
		if n < 0 {
			return errWire
		}
		b = b[n:]
		if typ == protowire.BytesType && (num == fieldSchema || num == fieldRow) {
			v, n := consumeBytes(b)
			if n < 0 {
				return errWire
			}
			var err error
			if num == fieldSchema {
				err = lr.walkColumn(v)
			} else {
				err = lr.walkRow(v)
			}
			if err != nil {
				return err
			}
			b = b[n:]
			continue
		}
		if n = protowire.ConsumeFieldValue(num, typ, b); n < 0 {
			return errWire
		}
		b = b[n:]
	}
	return nil
}

// walkColumn reads a ColumnSchema. The name, data type and semantic type
// are read here; a column with a type extension or options (rare, and
// nested) is decoded by protobuf-go instead.
func (lr *loadRequest) walkColumn(b []byte) error {
	cs := lr.newColumn()
	all := b
	for len(b) > 0 {
		num, typ, n := consumeTag(b)
		if n < 0 {
			return errWire
		}
		b = b[n:]
		switch {
		case num == fieldColumnName && typ == protowire.BytesType:
			v, n := consumeBytes(b)
			if n < 0 {
				return errWire
			}
			if !validUTF8(v) {
				return errUTF8
			}
			cs.ColumnName = lr.intern(v)
			b = b[n:]
			continue
		case (num == fieldDatatype || num == fieldSemantic) && typ == protowire.VarintType:
			v, n := protowire.ConsumeVarint(b)
			if n < 0 {
				return errWire
			}
			// Enums are int32 on the wire; protobuf truncates.
			if num == fieldDatatype {
				cs.Datatype = gpb.ColumnDataType(int32(v))
			} else {
				cs.SemanticType = gpb.SemanticType(int32(v))
			}
			b = b[n:]
			continue
		case (num == fieldExtension || num == fieldOptions) && typ == protowire.BytesType:
			*cs = gpb.ColumnSchema{}
			if err := proto.Unmarshal(all, cs); err != nil {
				return err
			}
			return checkColumnFallback(cs)
		}
		if n = protowire.ConsumeFieldValue(num, typ, b); n < 0 {
			return errWire
		}
		b = b[n:]
	}
	return checkColumnFallback(cs)
}

// checkColumnFallback sends VECTOR columns to the full decode: their
// values are checked by preprocessing (operator/src/req_convert/common.rs
// validate_rows), which needs them decoded. JSON columns are walked, and
// their values checked from the bytes (load_json.go).
func checkColumnFallback(cs *gpb.ColumnSchema) error {
	if cs.GetDatatype() == gpb.ColumnDataType_VECTOR {
		return errFallback
	}
	return nil
}

// walkRow reads a Row: it appends its value count and each value's variant.
func (lr *loadRequest) walkRow(b []byte) error {
	var count int32
	for len(b) > 0 {
		// The common case first: a values field with a one-byte length.
		if len(b) > 1 && b[0] == fieldValues<<3|byte(protowire.BytesType) && b[1] < 0x80 {
			end := 2 + int(b[1])
			if end > len(b) {
				return errWire
			}
			k, err := walkValue(b[2:end])
			if err != nil {
				return err
			}
			lr.kinds = append(lr.kinds, k)
			count++
			b = b[end:]
			continue
		}
		num, typ, n := consumeTag(b)
		if n < 0 {
			return errWire
		}
		b = b[n:]
		if num == fieldValues && typ == protowire.BytesType {
			v, n := consumeBytes(b)
			if n < 0 {
				return errWire
			}
			k, err := walkValue(v)
			if err != nil {
				return err
			}
			lr.kinds = append(lr.kinds, k)
			count++
			b = b[n:]
			continue
		}
		if n = protowire.ConsumeFieldValue(num, typ, b); n < 0 {
			return errWire
		}
		b = b[n:]
	}
	lr.lens = append(lr.lens, count)
	return nil
}

// consumeTag is protowire.ConsumeTag with protobuf-go's decoder's range
// check: field numbers above 2^29-1 are refused (impl/decode.go), though
// protowire decodes them. A one-byte tag is decoded here directly.
func consumeTag(b []byte) (protowire.Number, protowire.Type, int) {
	if len(b) > 0 && b[0] < 0x80 && b[0] >= 1<<3 {
		return protowire.Number(b[0] >> 3), protowire.Type(b[0] & 7), 1
	}
	return consumeLongTag(b)
}

// consumeLongTag is consumeTag for tags of two bytes or more (or a field
// number 0, refused), with two-byte tags decoded directly as protobuf-go's
// decoder does.
func consumeLongTag(b []byte) (protowire.Number, protowire.Type, int) {
	if len(b) > 1 && b[0] >= 0x80 && b[1] < 0x80 {
		v := uint64(b[0]&0x7f) | uint64(b[1])<<7
		if v>>3 == 0 {
			// Field number 0 written in two bytes (0x80 0x00 and the
			// like): protobuf-go refuses it as it does the one-byte form
			// (found by FuzzLoadDifferential).
			return 0, 0, -1
		}
		return protowire.Number(v >> 3), protowire.Type(v & 7), 2
	}
	num, typ, n := protowire.ConsumeTag(b)
	if n < 0 || num > protowire.MaxValidNumber {
		return 0, 0, -1
	}
	return num, typ, n
}

// consumeBytes is protowire.ConsumeBytes with a one-byte length decoded
// directly.
func consumeBytes(b []byte) ([]byte, int) {
	if len(b) > 0 && b[0] < 0x80 && int(b[0]) < len(b) {
		return b[1 : 1+int(b[0])], 1 + int(b[0])
	}
	return protowire.ConsumeBytes(b)
}

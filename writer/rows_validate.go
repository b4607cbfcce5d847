package writer

import (
	"fmt"
	"math"
	"unicode/utf8"

	"github.com/greptime-bridge/greptime-bridge/writer/internal/jsontext"
	"github.com/greptime-bridge/greptime-bridge/writer/table"
)

// validateBatch checks, before anything is sent, what GreptimeDB would
// refuse in a row insert, so the caller gets one clear InvalidInputError
// naming the table and column instead of a server round trip (and so a
// short row can never reach the server's JSON preprocessing, which may
// panic on it: greptimedb-protocol.md §7.8).
//
// Types are not refused here: every table.AllDataTypes type can be carried
// by a row insert. GreptimeDB itself refuses to create or add DATETIME and
// INTERVAL_* columns (operator/src/expr_helper.rs validate_create_expr and
// validate_add_columns_expr, issues #3235 and #5489); that error comes back
// from the server as a ServerError with InvalidArgument.
func validateBatch(b *table.Batch) error {
	_, err := validateBatchAfter(b, nil)
	return err
}

// validateBatchAfter is validateBatch for a batch that follows prev, a
// batch that passed it: when the two share their layout
// (table.Batch.SameLayout), the checks of names and schema, which depend
// on the layout alone, are not repeated; the values are checked as usual.
// A table's coalesced requests reach Write as such runs (the bridge's
// pipeline), and under node-exporter-shaped load a flush is a thousand
// runs of a few rows each (issue #12). It reports whether b has prev's
// layout.
func validateBatchAfter(b, prev *table.Batch) (known bool, err error) {
	if err := checkBatchHead(b); err != nil {
		return false, err
	}
	known = prev != nil && prev.SameLayout(b)
	if !known {
		if err := checkNamesUTF8(b); err != nil {
			return false, err
		}
	}
	cols := b.Columns()
	// A value of the wrong type is reported first: it also leaves the
	// column's length off, which would otherwise hide the real mistake.
	for _, c := range cols {
		if err := c.Err(); err != nil {
			return false, &InvalidInputError{Table: b.Table, Column: c.Name, Reason: fmt.Sprintf("value type does not match the column: %v", err)}
		}
	}
	// Linear however wide the batch (a pairwise scan made a first write
	// of 40,000 columns cost 30 s of CPU). A batch laid out like the one
	// before it has the same names, already checked.
	if !known {
		if name, dup := b.DuplicateName(); dup {
			return false, &InvalidInputError{Table: b.Table, Column: name, Reason: "duplicate column name"}
		}
	}
	ts := -1
	for i, c := range cols {
		if c.Semantic == table.Timestamp {
			if ts >= 0 {
				return false, &InvalidInputError{Table: b.Table, Column: c.Name, Reason: fmt.Sprintf("second time-index column (the first is %q)", cols[ts].Name)}
			}
			ts = i
		}
		if err := validateColumn(b, c); err != nil {
			return false, err
		}
	}
	if ts < 0 {
		return false, &InvalidInputError{Table: b.Table, Reason: "no time-index (timestamp) column"}
	}
	return known, nil
}

// checkBatchHead is the part of validateBatch that reads no column: Write
// checks it for every batch while grouping.
func checkBatchHead(b *table.Batch) error {
	if b == nil {
		return &InvalidInputError{Reason: "nil batch"}
	}
	if b.Table == "" {
		return &InvalidInputError{Reason: "empty table name"}
	}
	if b.Rows() == 0 {
		return &InvalidInputError{Table: b.Table, Reason: "empty batch: no rows"}
	}
	return nil
}

func validateColumn(b *table.Batch, c *table.Column) error {
	bad := func(format string, args ...any) error {
		return &InvalidInputError{Table: b.Table, Column: c.Name, Reason: fmt.Sprintf(format, args...)}
	}
	if !c.Type.Valid() {
		return bad("unsupported data type %s", c.Type)
	}
	if c.Semantic < table.Tag || c.Semantic > table.Timestamp {
		return bad("unknown semantic type %d", int32(c.Semantic))
	}
	if c.Len() != b.Rows() {
		return bad("column has %d values for %d rows", c.Len(), b.Rows())
	}
	if c.Semantic == table.Timestamp {
		if !c.Type.IsTimestamp() {
			return bad("time index is %s, not a TIMESTAMP type", c.Type)
		}
		if c.NullCount() > 0 {
			return bad("NULL in the time index")
		}
	}
	switch c.Type {
	case table.Int8:
		return checkIntRange(c, math.MinInt8, math.MaxInt8, bad)
	case table.Int16:
		return checkIntRange(c, math.MinInt16, math.MaxInt16, bad)
	case table.Int32, table.Date, table.IntervalYearMonth:
		return checkIntRange(c, math.MinInt32, math.MaxInt32, bad)
	case table.Uint8:
		return checkUintRange(c, math.MaxUint8, bad)
	case table.Uint16:
		return checkUintRange(c, math.MaxUint16, bad)
	case table.Uint32:
		return checkUintRange(c, math.MaxUint32, bad)
	case table.Float32:
		for r, f := range c.Float64s() {
			if !math.IsInf(f, 0) && math.IsInf(float64(float32(f)), 0) && !c.IsNull(r) {
				return bad("row %d: value %g overflows FLOAT32", r, f)
			}
		}
	case table.String:
		if c.UTF8Checked {
			// The producer checked every value as it decoded it; a second
			// pass over a thousand small cold tables was 4% of the bridge's
			// CPU under node-exporter-shaped remote write (issue #12).
			break
		}
		if r := firstInvalidUTF8(c); r >= 0 {
			return bad("row %d: string is not valid utf-8", r)
		}
	case table.JSON:
		// JSON text travels in string_value, so it must be UTF-8 too; then
		// GreptimeDB parses it to JSONB and fails the whole request with
		// InvalidJsonFormat otherwise (req_convert/common.rs). A producer
		// that renders the text itself vouches for both with the marks.
		if !c.UTF8Checked {
			if r := firstInvalidUTF8(c); r >= 0 {
				return bad("row %d: json text is not valid utf-8", r)
			}
		}
		for r := 0; r < c.Len() && !c.JSONChecked; r++ {
			if v, ok := c.Binary(r); ok && !jsontext.Valid(v) {
				return bad("row %d: value is not valid json text", r)
			}
		}
	case table.Vector:
		return checkVector(c, bad)
	case table.Decimal128:
		if c.Precision != 0 && (c.Precision < 1 || c.Precision > 38 || c.Scale < 0 || c.Scale > c.Precision) {
			return bad("decimal precision %d and scale %d out of range (1..38, 0..precision)", c.Precision, c.Scale)
		}
	}
	return nil
}

func checkIntRange(c *table.Column, lo, hi int64, bad func(string, ...any) error) error {
	for r, x := range c.Int64s() {
		if (x < lo || x > hi) && !c.IsNull(r) {
			return bad("row %d: value %d out of range for %s", r, x, c.Type)
		}
	}
	return nil
}

func checkUintRange(c *table.Column, hi uint64, bad func(string, ...any) error) error {
	for r, x := range c.Uint64s() {
		if x > hi && !c.IsNull(r) {
			return bad("row %d: value %d out of range for %s", r, x, c.Type)
		}
	}
	return nil
}

// checkVector enforces what GreptimeDB checks for VECTOR values: exactly
// dim*4 bytes of little-endian float32 (operator/src/req_convert/common.rs).
// Without a declared dimension every value must agree with the first.
func checkVector(c *table.Column, bad func(string, ...any) error) error {
	want := -1
	if c.VectorDim > 0 {
		want = int(c.VectorDim) * 4
	}
	for r := 0; r < c.Len(); r++ {
		v, ok := c.Binary(r)
		if !ok {
			continue
		}
		if want < 0 {
			if len(v) == 0 || len(v)%4 != 0 {
				return bad("row %d: vector of %d bytes is not a whole number of float32 values", r, len(v))
			}
			want = len(v)
		}
		if len(v) != want {
			return bad("row %d: vector has %d bytes, want %d (dimension %d)", r, len(v), want, want/4)
		}
	}
	if want < 0 {
		return bad("vector column of only NULLs needs a declared dimension (Schema.Vector)")
	}
	return nil
}

// checkNamesUTF8 refuses a table name, column name or column option that
// is not UTF-8: they are proto3 strings, which protobuf-go refuses to
// marshal and GreptimeDB to decode.
func checkNamesUTF8(b *table.Batch) error {
	if !utf8.ValidString(b.Table) {
		return &InvalidInputError{Table: b.Table, Reason: "table name is not valid utf-8"}
	}
	for _, c := range b.Columns() {
		if !utf8.ValidString(c.Name) {
			return &InvalidInputError{Table: b.Table, Column: c.Name, Reason: "column name is not valid utf-8"}
		}
		for k, v := range c.Options {
			if !utf8.ValidString(k) || !utf8.ValidString(v) {
				return &InvalidInputError{Table: b.Table, Column: c.Name, Reason: fmt.Sprintf("column option %q is not valid utf-8", k)}
			}
		}
	}
	return nil
}

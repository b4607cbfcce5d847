package table

import "unicode/utf8"

// FirstInvalidUTF8 returns the first non-NULL value of a variable-width
// column that is not valid UTF-8, or -1. protobuf refuses such a value in
// a string field, and GreptimeDB's decoder with it the whole request.
//
// The column's values are checked as one buffer: when the buffer is valid
// UTF-8 and every value starts on a character boundary (not on a
// continuation byte), each value is valid on its own, since a valid
// buffer splits into whole characters only at such boundaries. That is
// utf8.Valid's 8-bytes-at-a-time ASCII path instead of one call per value
// (a Prometheus-shaped table has eight string tags a row). Only when the
// whole-buffer check fails are the values checked one by one, to name the
// row.
func (c *Column) FirstInvalidUTF8() int { return c.FirstInvalidUTF8From(0) }

// FirstInvalidUTF8From is FirstInvalidUTF8 for the values from row lo on,
// for a producer that checks each run of rows it appended while their
// bytes are still in cache.
func (c *Column) FirstInvalidUTF8From(lo int) int {
	n := c.Len()
	if lo < 0 || lo >= n || c.Type.Storage() != StorageBytes {
		return -1
	}
	offs, data := c.BytesData()
	base := int(offs[lo])
	data = data[base:offs[n]]
	ok := utf8.Valid(data)
	for r := lo + 1; ok && r < n; r++ {
		if o := int(offs[r]) - base; o < len(data) && !utf8.RuneStart(data[o]) {
			ok = false
		}
	}
	if ok {
		return -1
	}
	for r := lo; r < n; r++ {
		if v, ok := c.Binary(r); ok && !utf8.Valid(v) {
			return r
		}
	}
	return -1
}

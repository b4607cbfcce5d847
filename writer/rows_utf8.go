package writer

import "github.com/greptime-bridge/greptime-bridge/writer/table"

// firstInvalidUTF8 is table.Column.FirstInvalidUTF8, which translators
// that validate their output column by column share.
func firstInvalidUTF8(c *table.Column) int { return c.FirstInvalidUTF8() }

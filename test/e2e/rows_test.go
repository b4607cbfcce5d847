package e2e

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// cell is one value of a /debug/tables sample row, printed by
// table.Value.String as TYPE(value) or NULL.
type cell struct {
	Type string
	Raw  string // the text between the parentheses; unquoted for strings
	Null bool
}

func parseCell(s string) (cell, error) {
	if s == "NULL" {
		return cell{Null: true}, nil
	}
	i := strings.IndexByte(s, '(')
	if i < 0 || !strings.HasSuffix(s, ")") {
		return cell{}, fmt.Errorf("sample value %q: not TYPE(value)", s)
	}
	c := cell{Type: s[:i], Raw: s[i+1 : len(s)-1]}
	if strings.HasPrefix(c.Raw, `"`) {
		u, err := strconv.Unquote(c.Raw)
		if err != nil {
			return cell{}, fmt.Errorf("sample value %q: %w", s, err)
		}
		c.Raw = u
	}
	return c, nil
}

// row is one sample row keyed by column name.
type row map[string]cell

// sampleRows decodes a table's sample rows using its column list.
func (ti tableInfo) sampleRows() ([]row, error) {
	var out []row
	for _, sr := range ti.SampleRows {
		if len(sr) != len(ti.Columns) {
			return nil, fmt.Errorf("%s: sample row has %d values for %d columns", ti.Name, len(sr), len(ti.Columns))
		}
		r := row{}
		for i, s := range sr {
			c, err := parseCell(s)
			if err != nil {
				return nil, fmt.Errorf("%s.%s: %w", ti.Name, ti.Columns[i].Name, err)
			}
			r[ti.Columns[i].Name] = c
		}
		out = append(out, r)
	}
	return out, nil
}

// sameFloat is bit-for-bit equality, except that every NaN equals every
// NaN (Prometheus prints stale markers and NaN alike).
func sameFloat(a, b float64) bool {
	if math.IsNaN(a) || math.IsNaN(b) {
		return math.IsNaN(a) && math.IsNaN(b)
	}
	return math.Float64bits(a) == math.Float64bits(b)
}

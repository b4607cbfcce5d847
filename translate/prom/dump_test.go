package prom

import (
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"

	"github.com/greptime-bridge/greptime-bridge/translate"
	"github.com/greptime-bridge/greptime-bridge/writer/table"
)

// dump renders an Output as readable text for golden files and assertions:
// per table its database, hints, schema and rows. Floats print with
// strconv's shortest form; NaNs also show their bits so the stale marker is
// visible.
func dump(out *translate.Output) string {
	var sb strings.Builder
	fmt.Fprintf(&sb, "samples=%d histograms=%d exemplars=%d\n", out.Samples, out.Histograms, out.Exemplars)
	keys := make([]string, 0, len(out.Dropped))
	for k, v := range out.Dropped {
		if v != 0 {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	for _, k := range keys {
		fmt.Fprintf(&sb, "dropped %s=%d\n", k, out.Dropped[k])
	}
	for _, b := range out.Batches {
		fmt.Fprintf(&sb, "\ntable %q database %q rows %d\n", b.Table, b.Database, b.Rows())
		for _, h := range b.Hints {
			fmt.Fprintf(&sb, "  hint %s=%s\n", h.Key, h.Value)
		}
		for _, c := range b.Columns() {
			fmt.Fprintf(&sb, "  column %s %s %s\n", c.Name, c.Type, c.Semantic)
		}
		for i := 0; i < b.Rows(); i++ {
			sb.WriteString("  row")
			for _, c := range b.Columns() {
				sb.WriteString(" ")
				sb.WriteString(cell(c, i))
			}
			sb.WriteString("\n")
		}
	}
	return sb.String()
}

func cell(c *table.Column, i int) string {
	if c.IsNull(i) {
		return "NULL"
	}
	switch c.Type.Storage() {
	case table.StorageInt:
		v, _ := c.Int64(i)
		return strconv.FormatInt(v, 10)
	case table.StorageFloat:
		v, _ := c.Float64(i)
		if math.IsNaN(v) {
			return fmt.Sprintf("NaN(0x%016x)", math.Float64bits(v))
		}
		return strconv.FormatFloat(v, 'g', -1, 64)
	case table.StorageBytes:
		v, _ := c.String(i)
		return strconv.Quote(v)
	}
	return c.Value(i).Type().String()
}

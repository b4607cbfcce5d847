package otlp

import (
	"fmt"
	"sort"
	"strings"

	"github.com/greptime-bridge/greptime-bridge/translate"
	"github.com/greptime-bridge/greptime-bridge/writer/table"
)

// dumpOutput renders an output as readable text for golden files: every
// batch with its hints, CREATE statement, schema and rows, then the drop
// counters.
func dumpOutput(out *translate.Output) string {
	var sb strings.Builder
	for _, b := range out.Batches {
		sb.WriteString(dumpBatch(b))
		sb.WriteByte('\n')
	}
	if len(out.Dropped) > 0 {
		keys := make([]string, 0, len(out.Dropped))
		for k := range out.Dropped {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			fmt.Fprintf(&sb, "dropped %s: %d\n", k, out.Dropped[k])
		}
	}
	fmt.Fprintf(&sb, "samples %d, histograms %d\n", out.Samples, out.Histograms)
	return sb.String()
}

func dumpBatch(b *table.Batch) string {
	var sb strings.Builder
	fmt.Fprintf(&sb, "table %q database %q rows %d\n", b.Table, b.Database, b.Rows())
	for _, h := range b.Hints {
		fmt.Fprintf(&sb, "  hint %s = %s\n", h.Key, h.Value)
	}
	if b.CreateSQL != "" {
		sb.WriteString("  create:\n")
		for _, l := range strings.Split(b.CreateSQL, "\n") {
			sb.WriteString("    " + l + "\n")
		}
	}
	for _, c := range b.Columns() {
		fmt.Fprintf(&sb, "  column %q %s %s", c.Name, c.Type, c.Semantic)
		if len(c.Options) > 0 {
			keys := make([]string, 0, len(c.Options))
			for k := range c.Options {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			for _, k := range keys {
				fmt.Fprintf(&sb, " %s=%s", k, c.Options[k])
			}
		}
		sb.WriteByte('\n')
	}
	for i := 0; i < b.Rows(); i++ {
		sb.WriteString("  row")
		for _, v := range b.Row(i) {
			sb.WriteString(" | ")
			sb.WriteString(v.String())
		}
		sb.WriteByte('\n')
	}
	return sb.String()
}

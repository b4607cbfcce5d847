package greptimetest

import (
	"sort"
	"strings"
)

// CreateSQL returns the table's definition in the layout of GreptimeDB's
// SHOW CREATE TABLE (query/src/sql/show_create_table.rs
// create_table_stmt): quoted column names, SQL type names, NULL / NOT
// NULL, DEFAULT, column indexes, TIME INDEX, PRIMARY KEY, the recorded
// PARTITION clause, ENGINE and sorted WITH options, led by the table
// description as 'comment'. Index options carry only what was given, not
// GreptimeDB's filled-in defaults.
func (ti TableInfo) CreateSQL() string {
	var b strings.Builder
	b.WriteString("CREATE TABLE IF NOT EXISTS " + quoteIdent(ti.Name) + " (\n")
	var lines []string
	for _, c := range ti.Columns {
		l := "  " + quoteIdent(c.Name) + " " + sqlTypeName(c)
		if c.Nullable {
			l += " NULL"
		} else {
			l += " NOT NULL"
		}
		if c.Default != "" {
			l += " DEFAULT " + c.Default
		}
		for _, kind := range []struct{ key, sql string }{
			{"skipping_index", "SKIPPING INDEX"}, {"inverted_index", "INVERTED INDEX"}, {"fulltext", "FULLTEXT INDEX"},
		} {
			if _, ok := c.Options[kind.key]; ok {
				l += " " + kind.sql + indexWith(c.Options, kind.key+".")
			}
		}
		lines = append(lines, l)
	}
	lines = append(lines, "  TIME INDEX ("+quoteIdent(ti.TimeIndex)+")")
	if len(ti.PrimaryKey) > 0 {
		pk := make([]string, len(ti.PrimaryKey))
		for i, k := range ti.PrimaryKey {
			pk[i] = quoteIdent(k)
		}
		lines = append(lines, "  PRIMARY KEY ("+strings.Join(pk, ", ")+")")
	}
	b.WriteString(strings.Join(lines, ",\n"))
	b.WriteString("\n)\n")
	if ti.Partition != "" {
		b.WriteString(ti.Partition + "\n")
	}
	b.WriteString("ENGINE=" + ti.Engine + "\n")
	var opts []string
	if _, ok := ti.Options["comment"]; !ok && ti.Comment != "" {
		// show_create_table.rs adds the description under the quoted key.
		opts = append(opts, "  'comment' = '"+ti.Comment+"'")
	}
	for _, k := range sortedKeys(ti.Options) {
		opts = append(opts, "  "+optionKey(k)+" = '"+ti.Options[k]+"'")
	}
	if len(opts) > 0 {
		b.WriteString("WITH(\n")
		b.WriteString(strings.Join(opts, ",\n"))
		b.WriteString("\n)")
	}
	return b.String()
}

func quoteIdent(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }

// optionKey quotes keys that are not plain identifiers, as
// 'compaction.type' is printed.
func optionKey(k string) string {
	for _, c := range k {
		if !(c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
			return "'" + k + "'"
		}
	}
	return k
}

func indexWith(opts map[string]string, prefix string) string {
	var kv []string
	for k, v := range opts {
		if strings.HasPrefix(k, prefix) {
			kv = append(kv, strings.TrimPrefix(k, prefix)+" = '"+v+"'")
		}
	}
	if len(kv) == 0 {
		return ""
	}
	sort.Strings(kv)
	return " WITH(" + strings.Join(kv, ", ") + ")"
}

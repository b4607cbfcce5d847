package otlp

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/greptime-bridge/greptime-bridge/writer/table"
)

// skippingIndex is the column suffix GreptimeDB's SHOW CREATE TABLE prints
// for SkippingIndexOptions::default(), which operator/src/insert.rs puts on
// trace_id, parent_span_id and service_name.
const skippingIndex = " SKIPPING INDEX WITH(false_positive_rate = '0.01', granularity = '10240', type = 'BLOOM')"

// defaultTracePartitions is sql/src/partition.rs
// DEFAULT_PARTITION_NUM_FOR_TRACES.
const defaultTracePartitions = 16

// tracePartitions reads the trace_table_partitions hint (v1.1+): a power of
// two from 2 to 65536, or 0/1 for no partitioning; anything else is refused
// as GreptimeDB answers 400 (operator/src/insert.rs, sql/src/partition.rs).
func tracePartitions(h table.Hints) (int, error) {
	v, ok := h.Get("trace_table_partitions")
	if !ok {
		return defaultTracePartitions, nil
	}
	n, err := strconv.ParseUint(v, 10, 32)
	if err != nil {
		return 0, badInput("failed to parse trace_table_partitions: %s", v)
	}
	if n <= 1 {
		return int(n), nil
	}
	if n&(n-1) != 0 || n > 65536 {
		return 0, badInput("invalid trace_table_partitions %d: want a power of two from 2 to 65536", n)
	}
	return int(n), nil
}

// partitionRules copies sql/src/partition.rs partition_rules_for_uuid:
// n ranges over the leading hex digits of trace_id.
func partitionRules(n int) []string {
	total, width := 16, 1
	switch {
	case n > 4096:
		total, width = 65536, 4
	case n > 256:
		total, width = 4096, 3
	case n > 16:
		total, width = 256, 2
	}
	size, rem := total/n, total%n
	hex := func(v int) string { return fmt.Sprintf("%0*x", width, v) }
	rules := make([]string, 0, n)
	cur := 0
	for i := 0; i < n; i++ {
		s := size
		if i < rem {
			s++
		}
		start, end := cur, cur+s
		switch i {
		case 0:
			rules = append(rules, "trace_id < '"+hex(end)+"'")
		case n - 1:
			rules = append(rules, "trace_id >= '"+hex(start)+"'")
		default:
			rules = append(rules, "trace_id >= '"+hex(start)+"' AND trace_id < '"+hex(end)+"'")
		}
		cur = end
	}
	return rules
}

// sqlType is the type GreptimeDB's SHOW CREATE TABLE prints.
func sqlType(t table.DataType) string {
	switch t {
	case table.TimestampNanosecond:
		return "TIMESTAMP(9)"
	case table.TimestampMillisecond:
		return "TIMESTAMP(3)"
	case table.Uint64:
		return "BIGINT UNSIGNED"
	case table.Int64:
		return "BIGINT"
	case table.Float64:
		return "DOUBLE"
	case table.Boolean:
		return "BOOLEAN"
	case table.Binary:
		return "VARBINARY"
	case table.JSON:
		return "JSON"
	}
	return "STRING"
}

func quoteIdent(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }

// writeQuotedIdent writes quoteIdent(s) without building it apart.
func writeQuotedIdent(sb *strings.Builder, s string) {
	sb.WriteByte('"')
	for {
		i := strings.IndexByte(s, '"')
		if i < 0 {
			break
		}
		sb.WriteString(s[:i+1])
		sb.WriteByte('"')
		s = s[i+1:]
	}
	sb.WriteString(s)
	sb.WriteByte('"')
}

func quoteString(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

// optionKey prints a table option key as SHOW CREATE TABLE does: plain
// identifiers bare, others quoted.
func optionKey(k string) string {
	for i := 0; i < len(k); i++ {
		c := k[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_') {
			return quoteString(k)
		}
	}
	return k
}

// traceCreateSQL renders the CREATE TABLE IF NOT EXISTS statement identical
// to GreptimeDB's SHOW CREATE TABLE for an auto-created trace table
// (tests-integration/tests/http.rs around 7078; greptimedb-tables.md §4.2,
// §7.5): the batch's columns in order, skipping indexes, PRIMARY KEY
// (service_name), the hex partitions and the sorted options with
// 'comment' = 'Created on insertion'. The hints that are table options go
// into WITH; ttl keeps the spelling it was given.
func traceCreateSQL(b *table.Batch, partitions int) string {
	var sb strings.Builder
	// Sized for the column lines, so a table of 200,000 columns is
	// written once instead of copied as the builder grows.
	size := 1024 + len(skippingIndex)*3
	for _, c := range b.Columns() {
		size += len(c.Name) + 32
	}
	sb.Grow(size)
	sb.WriteString("CREATE TABLE IF NOT EXISTS ")
	sb.WriteString(quoteIdent(b.Table))
	sb.WriteString(" (\n")
	var pk []string
	for _, c := range b.Columns() {
		sb.WriteString("  ")
		writeQuotedIdent(&sb, c.Name)
		sb.WriteByte(' ')
		sb.WriteString(sqlType(c.Type))
		if c.Semantic == table.Timestamp {
			sb.WriteString(" NOT NULL")
		} else {
			sb.WriteString(" NULL")
		}
		switch c.Name {
		case "trace_id", "parent_span_id", "service_name":
			sb.WriteString(skippingIndex)
		}
		sb.WriteString(",\n")
		if c.Semantic == table.Tag {
			pk = append(pk, quoteIdent(c.Name))
		}
	}
	sb.WriteString("  TIME INDEX (\"timestamp\")")
	if len(pk) > 0 {
		sb.WriteString(",\n  PRIMARY KEY (")
		sb.WriteString(strings.Join(pk, ", "))
		sb.WriteString(")")
	}
	sb.WriteString("\n)\n")
	if partitions > 1 {
		sb.WriteString("PARTITION ON COLUMNS (\"trace_id\") (\n  ")
		sb.WriteString(strings.Join(partitionRules(partitions), ",\n  "))
		sb.WriteString("\n)")
	}
	sb.WriteString("\nENGINE=mito\nWITH(\n")
	// The comment comes first, then the options sorted by key.
	sb.WriteString("  'comment' = 'Created on insertion'")
	for _, h := range b.Hints {
		if h.Key == "comment" || !traceTableOption(h.Key) {
			continue
		}
		sb.WriteString(",\n  ")
		sb.WriteString(optionKey(h.Key))
		sb.WriteString(" = ")
		sb.WriteString(quoteString(h.Value))
	}
	sb.WriteString("\n")
	sb.WriteString(")")
	return sb.String()
}

// createOptionKeys are the request options GreptimeDB copies into an
// auto-created table (table/src/requests.rs VALID_TABLE_OPTION_KEYS, used by
// operator/src/insert.rs fill_table_options_for_create), plus append_mode,
// which the trace create type sets itself.
var createOptionKeys = set("write_buffer_size", "ttl", "storage", "comment", "skip_wal",
	"sst_format", "location", "format", "pattern", "physical_metric_table", "on_physical_table",
	"table_data_model", "otlp_metric_compat", "repartition.column.hint", "append_mode")

// traceTableOption reports whether a hint becomes an option of the trace
// table: the keys above and the greptime.semantic.* vocabulary; others
// (physical_table, merge_mode, trace_table_partitions, …) do not.
func traceTableOption(key string) bool {
	if strings.HasPrefix(key, "greptime.semantic.") {
		return true
	}
	_, ok := createOptionKeys[key]
	return ok
}

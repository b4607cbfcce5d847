package greptimetest

import (
	"strings"

	"github.com/greptime-bridge/greptime-bridge/writer/table"
)

// sqlAlterTable runs ALTER TABLE t ADD [COLUMN] c TYPE [constraints]
// [FIRST | AFTER c] (sql/src/parsers/alter_parser.rs; alter_table_inner in
// operator/src/statement/ddl.rs): a missing table is TableNotFound, an
// existing column "Column c already exists in table t" (TableColumnExists,
// table/src/metadata.rs). A PRIMARY KEY column is added as a tag. MODIFY
// COLUMN changes a type (sql_modify.go). Other ALTER forms are not
// implemented. 0 affected rows.
func (s *Server) sqlAlterTable(k dbKey, p *parser) (uint32, error) {
	name, err := p.objectName()
	if err != nil {
		return 0, err
	}
	if p.acceptKw("modify") {
		return s.sqlModifyColumn(k, name, p)
	}
	if !p.acceptKw("add") {
		return 0, unimplementedSQL("ALTER TABLE " + strings.ToUpper(p.describe()))
	}
	p.acceptKw("column")
	c, ti, pk, err := parseColumnDef(p)
	if err != nil {
		return 0, err
	}
	if !p.acceptKw("first") && p.acceptKw("after") {
		if _, err := p.ident(); err != nil {
			return 0, err
		}
	}
	if p.peek().kind != tokEOF {
		return 0, syntaxErr("Expected: end of statement, found: %s", p.describe())
	}
	if ti {
		return 0, unimplementedSQL("ALTER TABLE ADD COLUMN ... TIME INDEX")
	}
	if pk {
		c.Semantic = table.Tag
	}
	tk, tn, err := tableRef(k, name)
	if err != nil {
		return 0, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	t := s.table(tk, tn)
	if t == nil {
		return 0, tableNotFound(tk, tn)
	}
	if _, ok := t.idx[c.Name]; ok {
		return 0, newErr(StatusTableColumnExists, "Column %s already exists in table %s", c.Name, tn)
	}
	s.addColumns(t, []ColumnInfo{c})
	if t.info.PhysicalTable != "" {
		s.widenPhysical(tk, t.info.PhysicalTable, []ColumnInfo{c})
	}
	return 0, nil
}

func unimplementedSQL(what string) error {
	return &Error{Code: StatusUnsupported, Msg: "greptimetest: SQL " + what + " is not implemented by the test server"}
}

// mitoOptionKeys is is_mito_engine_option_key
// (store-api/src/mito_engine_options.rs), less the three
// memtable.partition_tree.* keys.
var mitoOptionKeys = []string{
	"ttl", "write_buffer_size", "auto_flush_interval", "compaction.type", "compaction.override",
	"compaction.twcs.trigger_file_num", "compaction.twcs.max_output_file_size",
	"compaction.twcs.time_window", "compaction.twcs.remote_compaction",
	"compaction.twcs.fallback_to_local", "storage",
	"index.inverted_index.ignore_column_ids", "index.inverted_index.segment_row_count",
	"wal_options", "memtable.type", "memtable.bulk.merge_threshold",
	"memtable.bulk.encode_row_threshold", "memtable.bulk.encode_bytes_threshold",
	"memtable.bulk.max_merge_groups", "append_mode", "merge_mode", "sst_format",
	"max_row_group_row_count",
}

// metricOptionKeys is is_metric_engine_option_key
// (store-api/src/metric_engine_consts.rs), less the skipping-index false
// positive rate and partition-tree encoding keys.
var metricOptionKeys = []string{
	"physical_metric_table", "on_physical_table", "index.type", "index.granularity",
	"primary_key_encoding",
}

// validTableOption is validate_table_option (table/src/requests.rs) without
// the S3/OSS storage keys: mito and metric engine keys, greptime.semantic.*,
// VALID_TABLE_OPTION_KEYS and the DDL keys timeout and wait.
func validTableOption(key string) bool {
	if strings.HasPrefix(key, semanticPrefix) || key == "timeout" || key == "wait" {
		return true
	}
	for _, list := range [][]string{mitoOptionKeys, metricOptionKeys, validTableOptionKeys} {
		for _, k := range list {
			if k == key {
				return true
			}
		}
	}
	return false
}

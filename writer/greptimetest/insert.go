package greptimetest

import (
	gpb "github.com/GreptimeTeam/greptime-proto/go/greptime/v1"

	"github.com/greptime-bridge/greptime-bridge/writer/table"
)

// rowInserts handles a RowInsertRequests the way the frontend does
// (frontend/src/instance/grpc.rs: a physical_table hint routes to
// handle_metric_row_inserts, otherwise handle_row_inserts, both in
// operator/src/insert.rs). Every table is validated before any row is
// stored, so a failed call stores nothing (GreptimeDB writes regions
// independently and may store part of a failed multi-table call).
func (s *Server) rowInserts(k dbKey, h hints, reqs *gpb.RowInsertRequests) (uint32, error) {
	inserts := reqs.GetInserts()
	if _, metric := h["physical_table"]; !metric {
		// handle_row_inserts preprocesses (VECTOR checks, JSON text → JSONB)
		// before dropping empty requests and counting columns;
		// handle_metric_row_inserts does not.
		for _, r := range inserts {
			if err := preprocessRows(r.GetRows()); err != nil {
				return 0, err
			}
		}
	}
	ins := make([]insertReq, len(inserts))
	for i, r := range inserts {
		ins[i] = insertFromProto(r)
	}
	return s.insertRows(k, h, ins)
}

// insertRows runs the row-insert steps after preprocessing, in both the
// normal and the load mode: empty requests dropped, column counts checked,
// tables created or altered, every write checked, then applied.
func (s *Server) insertRows(k dbKey, h hints, inserts []insertReq) (uint32, error) {
	physical, metric := h["physical_table"]
	kept := make([]*insertReq, 0, len(inserts))
	for i := range inserts {
		if inserts[i].numRows() > 0 {
			kept = append(kept, &inserts[i])
		}
	}
	if err := validateColumnCount(kept); err != nil {
		return 0, err
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	reason, err := s.autoCreateDisabledReason(h)
	if err != nil {
		return 0, err
	}
	if metric {
		if err := s.createPhysicalOnDemand(k, physical, reason); err != nil {
			return 0, err
		}
	}
	if err := s.createOrAlterOnDemand(k, h, kept, reason, physical); err != nil {
		return 0, err
	}
	writes := make([]pendingWrite, len(kept))
	for i, r := range kept {
		if err := s.checkWrite(k, r, &writes[i]); err != nil {
			return 0, err
		}
	}
	// An injected fault on one table fails the whole request before any
	// region is written (faults.go Fault.Table).
	names := make([]string, len(kept))
	for i, r := range kept {
		names[i] = r.table
	}
	if err := s.tableFault(false, names...); err != nil {
		return 0, err
	}
	var n uint32
	for i := range writes {
		n += uint32(writes[i].apply(s))
	}
	return n, nil
}

// createdOnInsertion is the description of tables created by a write.
const createdOnInsertion = "Created on insertion"

// validateColumnCount is validate_column_count_match (operator/src/insert.rs).
func validateColumnCount(reqs []*insertReq) error {
	for _, r := range reqs {
		cols := len(r.schema)
		for _, n := range r.lens {
			if int(n) != cols {
				return invalidInsert("column count mismatch, columns: %d, values: %d", cols, n)
			}
		}
	}
	return nil
}

// autoCreateDisabledReason is Inserter::auto_create_disabled_reason
// (operator/src/insert.rs): the hint must parse as a Rust bool ("true" or
// "false" exactly); the server setting is checked first.
func (s *Server) autoCreateDisabledReason(h hints) (string, error) {
	hint := true
	if v, ok := h["auto_create_table"]; ok {
		switch v {
		case "true":
		case "false":
			hint = false
		default:
			return "", invalidInsert("`auto_create_table` hint must be a boolean")
		}
	}
	switch {
	case !s.autoCreate:
		return "auto-create table is disabled by frontend config", nil
	case !hint:
		return "`auto_create_table` hint is disabled", nil
	}
	return "", nil
}

// schemaNotFound is operator's SchemaNotFound raised when a table is
// created in a database that does not exist (operator/src/statement/ddl.rs
// create_non_logic_table): InvalidArguments, not DatabaseNotFound.
func schemaNotFound(k dbKey) *Error {
	return newErr(StatusInvalidArguments, "Failed to find schema, schema info: %s", k.schema)
}

// createOrAlterOnDemand is create_or_alter_tables_on_demand
// (operator/src/insert.rs). With auto-create disabled, a missing table is
// an error and existing tables are not altered. Otherwise every create and
// alter is planned first (so a bad request changes nothing), then applied.
// physical is the metric-engine physical table, empty for mito.
func (s *Server) createOrAlterOnDemand(k dbKey, h hints, reqs []*insertReq, reason, physical string) error {
	if reason != "" {
		for _, r := range reqs {
			if s.table(k, r.table) == nil {
				return invalidInsert("Table `%s` does not exist, and %s", r.table, reason)
			}
		}
		return nil
	}
	var creates []TableInfo
	type alter struct {
		t    *tableState
		cols []ColumnInfo
	}
	var alters []alter
	for _, r := range reqs {
		t := s.table(k, r.table)
		if t == nil {
			// create_table_expr_by_column_schemas (expr_helper.rs) builds and
			// validates each create while planning.
			ti, err := buildCreateTable(r.table, r.schema)
			if err != nil {
				return err
			}
			ti.Comment = createdOnInsertion
			if err := validateCreate(&ti); err != nil {
				return err
			}
			creates = append(creates, ti)
			continue
		}
		add, err := alterOnDemand(t, r.schema, physical != "")
		if err != nil {
			return err
		}
		if physical != "" {
			if err := s.checkLogicalAlter(k, physical, add); err != nil {
				return err
			}
		}
		if len(add) > 0 {
			alters = append(alters, alter{t, add})
		}
	}
	if len(creates) > 0 && s.db(k) == nil {
		return schemaNotFound(k)
	}
	for i := range creates {
		// create_non_logic_table / create_logical_tables
		// (operator/src/statement/ddl.rs) check the name.
		if !namePattern.MatchString(creates[i].Name) {
			return newErr(StatusInvalidArguments, "Invalid table name: %s", creates[i].Name)
		}
		opts := h.tableOptions(physical)
		if err := validateTableOptions(opts, physical == ""); err != nil {
			return err
		}
		normalizeTableOptions(opts)
		creates[i].Options = opts
	}
	// The metric engine checks logical tables when their regions are
	// created, after the frontend's name and option checks.
	if physical != "" {
		for i := range creates {
			if err := s.checkLogical(k, physical, &creates[i]); err != nil {
				return err
			}
		}
	}
	for _, ti := range creates {
		if s.table(k, ti.Name) != nil {
			// create_if_not_exists: a second request for the same new table
			// in one call finds it created by the first.
			continue
		}
		if physical != "" {
			ti.Engine = "metric"
			ti.PhysicalTable = physical
			s.addTable(k, ti)
			s.widenPhysical(k, physical, ti.Columns)
			continue
		}
		ti.Engine = "mito"
		s.addTable(k, ti)
	}
	for _, a := range alters {
		s.addColumns(a.t, a.cols)
		if physical != "" {
			s.widenPhysical(k, physical, a.cols)
		}
	}
	return nil
}

// addColumns appends columns to a table; tags join the primary key.
// Columns already present are skipped (add_if_not_exists). Callers hold
// s.mu.
func (s *Server) addColumns(t *tableState, cols []ColumnInfo) {
	for _, c := range cols {
		if _, ok := t.idx[c.Name]; ok {
			continue
		}
		t.idx[c.Name] = len(t.info.Columns)
		t.info.Columns = append(t.info.Columns, c)
		if c.Semantic == table.Tag {
			t.info.PrimaryKey = append(t.info.PrimaryKey, c.Name)
		}
	}
	t.reindex()
	s.rekey(t)
}

// rekey rebuilds a table's dedup index after its primary key changed: old
// rows read NULL for the new tag.
func (s *Server) rekey(t *tableState) {
	if t.appendMode() {
		return
	}
	t.keys = make(map[string]int, len(t.rows))
	for i, r := range t.rows {
		s.keyBuf = t.appendDedupKey(s.keyBuf[:0], r)
		t.keys[string(s.keyBuf)] = i
	}
}

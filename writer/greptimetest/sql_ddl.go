package greptimetest

import (
	"sort"
	"strings"

	"github.com/greptime-bridge/greptime-bridge/writer/table"
)

// createStmt is a parsed CREATE TABLE.
type createStmt struct {
	ifNotExists bool
	name        []string
	info        TableInfo
	timeIndexes []string // TIME INDEX constraints, inline or not
}

// sqlCreateTable parses and runs CREATE TABLE
// (sql/src/parsers/create_parser.rs, then create_table_inner in
// operator/src/statement/ddl.rs): one TIME INDEX (MissingTimeIndex /
// InvalidTimeIndex otherwise, and it must be a TIMESTAMP), table options
// checked against validate_table_option, validate_create_expr, then
// TableAlreadyExists (4000) unless IF NOT EXISTS. ENGINE=metric with
// physical_metric_table creates a physical table; with on_physical_table a
// logical table on an existing physical one. PARTITION ON COLUMNS is
// recorded as text. 0 affected rows.
func (s *Server) sqlCreateTable(k dbKey, p *parser) (uint32, error) {
	st, err := parseCreateTable(p)
	if err != nil {
		return 0, err
	}
	tk, name, err := tableRef(k, st.name)
	if err != nil {
		return 0, err
	}
	ti := st.info
	ti.Name = name
	ti.Comment = ti.Options["comment"]
	for _, key := range sortedKeys(ti.Options) {
		if !validTableOption(key) {
			return 0, newErr(StatusInvalidArguments, "Unrecognized table option key: %s", key)
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.db(tk) == nil {
		return 0, schemaNotFound(tk)
	}
	if err := validateCreate(&ti); err != nil {
		return 0, err
	}
	if s.table(tk, name) != nil {
		if st.ifNotExists {
			return 0, nil
		}
		return 0, newErr(StatusTableAlreadyExists, "Table already exists: `%s.%s.%s`", tk.catalog, tk.schema, name)
	}
	if !namePattern.MatchString(name) {
		return 0, newErr(StatusInvalidArguments, "Invalid table name: %s", name)
	}
	// create_table_info parses option values after the existence and name
	// checks.
	if err := validateTableOptions(ti.Options, ti.Engine != "metric"); err != nil {
		return 0, err
	}
	normalizeTableOptions(ti.Options)
	if ti.Engine == "metric" {
		// verify_region_create_request (metric-engine/src/engine/create.rs):
		// exactly one of physical_metric_table / on_physical_table.
		_, isPhysical := ti.Options["physical_metric_table"]
		_, isLogical := ti.Options["on_physical_table"]
		switch {
		case !isPhysical && !isLogical:
			return 0, newErr(StatusInvalidArguments, "Required table option is missing")
		case isPhysical && isLogical:
			return 0, newErr(StatusInvalidArguments, "Region options are conflicted")
		case isPhysical:
			if err := checkMetricColumns(&ti); err != nil {
				return 0, err
			}
		}
		if phys, ok := ti.Options["on_physical_table"]; ok {
			if s.table(tk, phys) == nil {
				return 0, tableNotFound(tk, phys)
			}
			if err := s.checkLogical(tk, phys, &ti); err != nil {
				return 0, err
			}
			ti.PhysicalTable = phys
			s.addTable(tk, ti)
			s.widenPhysical(tk, phys, ti.Columns)
			return 0, nil
		}
	}
	s.addTable(tk, ti)
	return 0, nil
}

func parseCreateTable(p *parser) (*createStmt, error) {
	st := &createStmt{info: TableInfo{Engine: "mito", Options: map[string]string{}}}
	st.ifNotExists = p.acceptKw("if", "not", "exists")
	name, err := p.objectName()
	if err != nil {
		return nil, err
	}
	st.name = name
	if err := p.expectPunct("("); err != nil {
		return nil, err
	}
	for {
		if err := parseTableElement(p, st); err != nil {
			return nil, err
		}
		if p.acceptPunct(")") {
			break
		}
		if err := p.expectPunct(","); err != nil {
			return nil, err
		}
	}
	if p.acceptKw("partition", "on", "columns") {
		cols, err := p.skipParens()
		if err != nil {
			return nil, err
		}
		exprs, err := p.skipParens()
		if err != nil {
			return nil, err
		}
		st.info.Partition = "PARTITION ON COLUMNS " + cols + " " + exprs
	}
	if p.acceptKw("engine") {
		if err := p.expectPunct("="); err != nil {
			return nil, err
		}
		e, err := p.ident()
		if err != nil {
			return nil, err
		}
		st.info.Engine = strings.ToLower(e)
	}
	if p.acceptKw("with") {
		opts, err := p.options()
		if err != nil {
			return nil, err
		}
		st.info.Options = opts
	}
	if p.peek().kind != tokEOF {
		return nil, syntaxErr("Expected: end of statement, found: %s", p.describe())
	}
	return st, finishCreate(st)
}

// finishCreate applies validate_time_index (create_parser.rs) and marks
// the time index NOT NULL and the primary-key columns as tags.
func finishCreate(st *createStmt) error {
	uniq := map[string]bool{}
	var tis []string
	for _, t := range st.timeIndexes {
		if !uniq[t] {
			uniq[t] = true
			tis = append(tis, t)
		}
	}
	switch {
	case len(tis) == 0:
		return newErr(StatusInvalidSyntax, "Missing time index constraint")
	case len(tis) > 1:
		return newErr(StatusInvalidSyntax, "Invalid time index: expected only one time index constraint but actual %d", len(tis))
	}
	ti := &st.info
	ti.TimeIndex = tis[0]
	found := false
	for i := range ti.Columns {
		c := &ti.Columns[i]
		if c.Name == ti.TimeIndex {
			found = true
			if !c.Type.IsTimestamp() {
				return newErr(StatusInvalidSyntax, "Invalid column option, column name: %s, error: time index column data type should be timestamp", c.Name)
			}
			c.Semantic = table.Timestamp
			c.Nullable = false
		}
	}
	if !found {
		return newErr(StatusInvalidSyntax, "Invalid time index: time index column %s not found in columns", ti.TimeIndex)
	}
	pk := map[string]bool{}
	for _, k := range ti.PrimaryKey {
		pk[k] = true
	}
	for i := range ti.Columns {
		if pk[ti.Columns[i].Name] {
			ti.Columns[i].Semantic = table.Tag
		}
	}
	return nil
}

// parseTableElement reads a column definition or a TIME INDEX / PRIMARY
// KEY constraint.
func parseTableElement(p *parser, st *createStmt) error {
	if p.acceptKw("time", "index") {
		cols, err := parenIdents(p)
		if err != nil {
			return err
		}
		if len(cols) != 1 {
			return newErr(StatusInvalidSyntax, "Invalid time index: it should contain only one column in time index")
		}
		st.timeIndexes = append(st.timeIndexes, cols[0])
		return nil
	}
	if p.acceptKw("primary", "key") {
		cols, err := parenIdents(p)
		if err != nil {
			return err
		}
		st.info.PrimaryKey = append(st.info.PrimaryKey, cols...)
		return nil
	}
	c, ti, pk, err := parseColumnDef(p)
	if err != nil {
		return err
	}
	if ti {
		st.timeIndexes = append(st.timeIndexes, c.Name)
	}
	if pk {
		st.info.PrimaryKey = append(st.info.PrimaryKey, c.Name)
	}
	st.info.Columns = append(st.info.Columns, c)
	return nil
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

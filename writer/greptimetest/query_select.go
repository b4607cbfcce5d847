package greptimetest

import (
	"cmp"
	"slices"
	"strconv"
	"strings"

	gpb "github.com/GreptimeTeam/greptime-proto/go/greptime/v1"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/greptime-bridge/greptime-bridge/writer/table"
)

// runQuery answers a QueryRequest arriving through DoGet. The test server
// has no query engine: it answers the statements clients of an ingester
// need to read a table's schema and data back (information_schema.columns
// and .tables, SHOW CREATE TABLE, DESC TABLE, and a plain SELECT with
// simple WHERE, ORDER BY and LIMIT); the statements Handle runs (DDL) are
// answered with affected rows; anything else is Unimplemented (FIDELITY.md).
func (s *Server) runQuery(k dbKey, h hints, q *gpb.QueryRequest) (*resultSet, uint32, error) {
	sql, ok := q.GetQuery().(*gpb.QueryRequest_Sql)
	if !ok {
		return nil, 0, status.Errorf(codes.Unimplemented, "greptimetest: %T queries are not implemented by the test server", q.GetQuery())
	}
	toks, err := lexSQL(sql.Sql)
	if err != nil {
		return nil, 0, err
	}
	stmts := splitStatements(toks)
	if len(stmts) != 1 {
		// Several statements or none: Handle's answers.
		n, err := s.query(k, h, q)
		return nil, n, err
	}
	p := &parser{toks: stmts[0]}
	switch {
	case p.acceptKw("select"):
		rs, err := s.sqlSelect(k, p)
		return rs, 0, err
	case p.acceptKw("show", "create", "table"):
		rs, err := s.sqlShowCreate(k, p)
		return rs, 0, err
	case p.acceptKw("desc"), p.acceptKw("describe"):
		p.acceptKw("table")
		rs, err := s.sqlDescribe(k, p)
		return rs, 0, err
	}
	n, err := s.query(k, h, q)
	return nil, n, err
}

func unsupportedQuery(what string) error {
	return status.Errorf(codes.Unimplemented, "greptimetest: %s is not implemented by the test server", what)
}

// cond is one WHERE term: column op literal, or column IS [NOT] NULL.
type cond struct {
	col, op string
	lit     token
}

// selectStmt is the SELECT the test server understands.
type selectStmt struct {
	cols  []string // nil for *
	from  []string
	where []cond
	order []orderKey
	limit int // -1 for none
}

type orderKey struct {
	col  string
	desc bool
}

// parseSelect reads `cols|* FROM name [WHERE c op lit [AND ...]]
// [ORDER BY c [ASC|DESC], ...] [LIMIT n]` after SELECT.
func parseSelect(p *parser) (*selectStmt, error) {
	st := &selectStmt{limit: -1}
	if !p.acceptPunct("*") {
		for {
			c, err := p.ident()
			if err != nil {
				return nil, unsupportedQuery("a SELECT list other than * or column names")
			}
			st.cols = append(st.cols, c)
			if !p.acceptPunct(",") {
				break
			}
		}
	}
	if !p.acceptKw("from") {
		return nil, unsupportedQuery("SELECT without FROM")
	}
	from, err := p.objectName()
	if err != nil {
		return nil, err
	}
	st.from = from
	if p.acceptKw("where") {
		for {
			c, err := parseCond(p)
			if err != nil {
				return nil, err
			}
			st.where = append(st.where, c)
			if !p.acceptKw("and") {
				break
			}
		}
	}
	if p.acceptKw("order", "by") {
		for {
			c, err := p.ident()
			if err != nil {
				return nil, unsupportedQuery("ORDER BY an expression")
			}
			key := orderKey{col: c}
			if p.acceptKw("desc") {
				key.desc = true
			} else {
				p.acceptKw("asc")
			}
			st.order = append(st.order, key)
			if !p.acceptPunct(",") {
				break
			}
		}
	}
	if p.acceptKw("limit") {
		t := p.next()
		n, err := strconv.Atoi(t.text)
		if t.kind != tokNumber || err != nil || n < 0 {
			return nil, syntaxErr("Expected: literal int, found: %s", t.text)
		}
		st.limit = n
	}
	if p.peek().kind != tokEOF {
		return nil, unsupportedQuery("SELECT clause " + strconv.Quote(strings.ToUpper(p.describe())))
	}
	return st, nil
}

func parseCond(p *parser) (cond, error) {
	c, err := p.ident()
	if err != nil {
		return cond{}, unsupportedQuery("a WHERE term other than column op literal")
	}
	if p.acceptKw("is") {
		if p.acceptKw("not", "null") {
			return cond{col: c, op: "is not null"}, nil
		}
		if p.acceptKw("null") {
			return cond{col: c, op: "is null"}, nil
		}
		return cond{}, unsupportedQuery("IS other than IS [NOT] NULL")
	}
	op := p.next()
	if op.kind != tokPunct {
		return cond{}, unsupportedQuery("WHERE operator " + strconv.Quote(op.text))
	}
	o := op.text
	// The lexer gives one-character punctuation: join <=, >=, <>, !=.
	if (o == "<" || o == ">" || o == "!") && (p.isPunct("=") || (o == "<" && p.isPunct(">"))) {
		o += p.next().text
	}
	switch o {
	case "=", "!=", "<>", "<", "<=", ">", ">=":
	default:
		return cond{}, unsupportedQuery("WHERE operator " + strconv.Quote(o))
	}
	neg := p.acceptPunct("-")
	lit := p.next()
	if lit.kind != tokString && lit.kind != tokNumber {
		return cond{}, unsupportedQuery("a WHERE value other than a string or number literal")
	}
	if neg {
		lit.text = "-" + lit.text
	}
	return cond{col: c, op: o, lit: lit}, nil
}

// sqlSelect runs a SELECT over a user table or an information_schema view.
func (s *Server) sqlSelect(k dbKey, p *parser) (*resultSet, error) {
	st, err := parseSelect(p)
	if err != nil {
		return nil, err
	}
	var src *resultSet
	if len(st.from) == 2 && isSystemSchema(st.from[0]) {
		switch strings.ToLower(st.from[1]) {
		case "columns":
			src = s.infoColumns(k.catalog, st.tableFilter())
		case "tables":
			src = s.infoTables(k.catalog)
		default:
			return nil, unsupportedQuery("information_schema." + st.from[1])
		}
	} else {
		db, name, err := tableRef(k, st.from)
		if err != nil {
			return nil, err
		}
		if src, err = s.tableResult(db, name); err != nil {
			return nil, err
		}
	}
	return st.apply(src)
}

// tableFilter returns the query's WHERE terms on table_schema and
// table_name as a test of one table (nil when it has none), for
// infoColumns to skip the tables no row of which can match.
func (st *selectStmt) tableFilter() func(schema, table string) bool {
	var schemaTerms, tableTerms []cond
	for _, c := range st.where {
		switch c.col {
		case "table_schema":
			schemaTerms = append(schemaTerms, c)
		case "table_name":
			tableTerms = append(tableTerms, c)
		}
	}
	if len(schemaTerms)+len(tableTerms) == 0 {
		return nil
	}
	return func(schema, name string) bool {
		for _, c := range schemaTerms {
			if !matches(table.StringValue(schema), c) {
				return false
			}
		}
		for _, c := range tableTerms {
			if !matches(table.StringValue(name), c) {
				return false
			}
		}
		return true
	}
}

// tableResult is a table's columns and rows.
func (s *Server) tableResult(k dbKey, name string) (*resultSet, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	t := s.table(k, name)
	if t == nil {
		return nil, tableNotFound(k, name)
	}
	order := listedOrder(t.info)
	rs := &resultSet{cols: listed(t.info).Columns, rows: make([][]table.Value, len(t.rows))}
	for i, r := range t.rows {
		full := make([]table.Value, len(rs.cols))
		for j, src := range order {
			if src < len(r) {
				full[j] = r[src]
			}
		}
		rs.rows[i] = full
	}
	return rs, nil
}

// noField is DataFusion's planning error for an unknown column, which
// GreptimeDB reports as PlanQuery (query/src/error.rs DataFusion →
// PlanQuery).
func noField(name string) error {
	return newErr(StatusPlanQuery, "Failed to plan SQL: Schema error: No field named %s.", name)
}

// apply filters, sorts, limits and projects src.
func (st *selectStmt) apply(src *resultSet) (*resultSet, error) {
	idx := func(name string) (int, error) {
		for i, c := range src.cols {
			if c.Name == name {
				return i, nil
			}
		}
		return 0, noField(name)
	}
	type term struct {
		i int
		c cond
	}
	terms := make([]term, len(st.where))
	for j, c := range st.where {
		i, err := idx(c.col)
		if err != nil {
			return nil, err
		}
		terms[j] = term{i, c}
	}
	var rows [][]table.Value
	for _, r := range src.rows {
		keep := true
		for _, t := range terms {
			keep = keep && matches(r[t.i], t.c)
		}
		if keep {
			rows = append(rows, r)
		}
	}
	for j := len(st.order) - 1; j >= 0; j-- {
		i, err := idx(st.order[j].col)
		if err != nil {
			return nil, err
		}
		desc := st.order[j].desc
		slices.SortStableFunc(rows, func(a, b []table.Value) int {
			c := compareValues(a[i], b[i])
			if desc {
				return -c
			}
			return c
		})
	}
	if st.limit >= 0 && len(rows) > st.limit {
		rows = rows[:st.limit]
	}
	if st.cols == nil {
		return &resultSet{cols: src.cols, rows: rows}, nil
	}
	out := &resultSet{}
	pick := make([]int, len(st.cols))
	for j, name := range st.cols {
		i, err := idx(name)
		if err != nil {
			return nil, err
		}
		pick[j] = i
		out.cols = append(out.cols, src.cols[i])
	}
	for _, r := range rows {
		pr := make([]table.Value, len(pick))
		for j, i := range pick {
			pr[j] = r[i]
		}
		out.rows = append(out.rows, pr)
	}
	return out, nil
}

// matches evaluates one WHERE term; NULL compares as unknown (false).
func matches(v table.Value, c cond) bool {
	switch c.op {
	case "is null":
		return v.IsNull()
	case "is not null":
		return !v.IsNull()
	}
	if v.IsNull() {
		return false
	}
	r, ok := compareLiteral(v, c.lit)
	if !ok {
		return false
	}
	switch c.op {
	case "=":
		return r == 0
	case "!=", "<>":
		return r != 0
	case "<":
		return r < 0
	case "<=":
		return r <= 0
	case ">":
		return r > 0
	}
	return r >= 0
}

// compareLiteral compares a value with a literal: numerically for numbers
// and time values, as text for strings.
func compareLiteral(v table.Value, lit token) (int, bool) {
	if b, ok := v.AsBool(); ok {
		x, err := strconv.ParseBool(lit.text)
		return cmp.Compare(boolInt(b), boolInt(x)), err == nil
	}
	if s, ok := v.AsString(); ok {
		return strings.Compare(s, lit.text), true
	}
	if f, ok := v.AsFloat64(); ok {
		x, err := strconv.ParseFloat(lit.text, 64)
		return cmp.Compare(f, x), err == nil
	}
	if u, ok := v.AsUint64(); ok {
		x, err := strconv.ParseUint(lit.text, 10, 64)
		return cmp.Compare(u, x), err == nil
	}
	if i, ok := v.AsInt64(); ok {
		x, err := strconv.ParseInt(lit.text, 10, 64)
		return cmp.Compare(i, x), err == nil
	}
	return 0, false
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// compareValues orders two values of one column; NULL sorts last in
// ascending order and so first in descending order, DataFusion's default
// (NULLS FIRST when DESC, datafusion-sql's order_by).
func compareValues(a, b table.Value) int {
	switch {
	case a.IsNull() && b.IsNull():
		return 0
	case a.IsNull():
		return 1
	case b.IsNull():
		return -1
	}
	if x, ok := a.AsBool(); ok {
		y, _ := b.AsBool()
		return cmp.Compare(boolInt(x), boolInt(y))
	}
	if x, ok := a.AsString(); ok {
		y, _ := b.AsString()
		return strings.Compare(x, y)
	}
	if x, ok := a.AsFloat64(); ok {
		y, _ := b.AsFloat64()
		return cmp.Compare(x, y)
	}
	if x, ok := a.AsUint64(); ok {
		y, _ := b.AsUint64()
		return cmp.Compare(x, y)
	}
	if x, ok := a.AsInt64(); ok {
		y, _ := b.AsInt64()
		return cmp.Compare(x, y)
	}
	return 0
}

package greptimetest

import (
	"regexp"
	"strings"

	gpb "github.com/GreptimeTeam/greptime-proto/go/greptime/v1"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// query runs a QueryRequest. Only SQL is read, one statement per request
// (frontend/src/instance/grpc.rs refuses several with NotSupported), and
// only the DDL that ingestion clients send: CREATE DATABASE, CREATE TABLE,
// ALTER TABLE ADD COLUMN and DROP TABLE (sql_ddl.go). Other statements are
// answered Unimplemented by the test server.
func (s *Server) query(k dbKey, _ hints, q *gpb.QueryRequest) (uint32, error) {
	sql, ok := q.GetQuery().(*gpb.QueryRequest_Sql)
	if !ok {
		return 0, status.Errorf(codes.Unimplemented, "greptimetest: %T queries are not implemented by the test server", q.GetQuery())
	}
	toks, err := lexSQL(sql.Sql)
	if err != nil {
		return 0, err
	}
	stmts := splitStatements(toks)
	if len(stmts) > 1 {
		return 0, newErr(StatusUnsupported, "Not supported: execute multiple statements in SQL query string through GRPC interface")
	}
	if len(stmts) == 0 {
		return 0, syntaxErr("Expected: an SQL statement, found: EOF")
	}
	p := &parser{toks: stmts[0]}
	switch {
	case p.acceptKw("create", "database"), p.acceptKw("create", "schema"):
		return s.sqlCreateDatabase(k, p)
	case p.acceptKw("create", "table"):
		return s.sqlCreateTable(k, p)
	case p.acceptKw("alter", "table"):
		return s.sqlAlterTable(k, p)
	case p.acceptKw("drop", "table"):
		return s.sqlDropTable(k, p)
	case p.isKw("select"):
		// A query's output is a stream, which Handle refuses
		// (servers/src/grpc/database.rs).
		return 0, status.Error(codes.Unimplemented, "GreptimeDatabase::Handle for query")
	}
	return 0, status.Errorf(codes.Unimplemented, "greptimetest: SQL statement %q is not implemented by the test server", strings.ToUpper(p.describe()))
}

// splitStatements splits tokens on top-level ';', dropping empty statements.
func splitStatements(toks []token) [][]token {
	var out [][]token
	var cur []token
	for _, t := range toks {
		if t.kind == tokEOF || (t.kind == tokPunct && t.text == ";") {
			if len(cur) > 0 {
				out = append(out, append(cur, token{kind: tokEOF}))
			}
			cur = nil
			continue
		}
		cur = append(cur, t)
	}
	return out
}

// namePattern is NAME_PATTERN_REG (common/base/src/regex_pattern.rs), the
// database and table names GreptimeDB creates.
var namePattern = regexp.MustCompile(`^[a-zA-Z_:-][a-zA-Z0-9_:\-\.@#]*$`)

// sqlCreateDatabase is StatementExecutor::create_database
// (operator/src/statement/ddl.rs): the database is created in the current
// catalog under its raw name; an existing one is SchemaExists unless IF NOT
// EXISTS; the answer is 1 affected row either way.
func (s *Server) sqlCreateDatabase(k dbKey, p *parser) (uint32, error) {
	ifNotExists := p.acceptKw("if", "not", "exists")
	name, err := p.objectName()
	if err != nil {
		return 0, err
	}
	if p.acceptKw("with") {
		if _, err := p.options(); err != nil {
			return 0, err
		}
	}
	if p.peek().kind != tokEOF {
		return 0, syntaxErr("Expected: end of statement, found: %s", p.describe())
	}
	db := strings.Join(name, ".")
	if !namePattern.MatchString(db) {
		return 0, newErr(StatusUnexpected, "Unexpected, violated: Invalid database name: %s", db)
	}
	nk := dbKey{catalog: k.catalog, schema: db}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.dbs[nk] != nil {
		if ifNotExists {
			return 1, nil
		}
		return 0, newErr(StatusInvalidArguments, "Schema %s already exists", db)
	}
	s.dbs[nk] = &database{key: nk, tables: map[string]*tableState{}}
	return 1, nil
}

// tableRef resolves a possibly qualified table name against the current
// database (table_idents_to_full_name).
func tableRef(k dbKey, parts []string) (dbKey, string, error) {
	switch len(parts) {
	case 1:
		return k, parts[0], nil
	case 2:
		return dbKey{k.catalog, parts[0]}, parts[1], nil
	case 3:
		return dbKey{parts[0], parts[1]}, parts[2], nil
	}
	return k, "", newErr(StatusInvalidArguments, "Invalid table name: %s", strings.Join(parts, "."))
}

// sqlDropTable is drop_tables (operator/src/statement/ddl.rs): a missing
// table is TableNotFound unless IF EXISTS; 0 affected rows.
func (s *Server) sqlDropTable(k dbKey, p *parser) (uint32, error) {
	ifExists := p.acceptKw("if", "exists")
	var names [][]string
	for {
		n, err := p.objectName()
		if err != nil {
			return 0, err
		}
		names = append(names, n)
		if !p.acceptPunct(",") {
			break
		}
	}
	if p.peek().kind != tokEOF {
		return 0, syntaxErr("Expected: end of statement, found: %s", p.describe())
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	type ref struct {
		k    dbKey
		name string
	}
	var drop []ref
	for _, n := range names {
		tk, name, err := tableRef(k, n)
		if err != nil {
			return 0, err
		}
		if s.table(tk, name) == nil {
			if ifExists {
				continue
			}
			return 0, tableNotFound(tk, name)
		}
		drop = append(drop, ref{tk, name})
	}
	for _, r := range drop {
		delete(s.dbs[r.k].tables, r.name)
	}
	return 0, nil
}

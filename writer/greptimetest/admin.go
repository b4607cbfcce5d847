package greptimetest

import (
	"fmt"
	"strings"

	"github.com/greptime-bridge/greptime-bridge/writer/table"
)

func lower(s string) string { return strings.ToLower(s) }

// CreateDatabase creates a database; name may be in catalog-schema form.
// An existing database is not an error.
func (s *Server) CreateDatabase(name string) error {
	if name == "" {
		return fmt.Errorf("create database: empty name")
	}
	k := parseDB(name)
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.dbs[k] == nil {
		s.dbs[k] = &database{key: k, tables: map[string]*tableState{}}
	}
	return nil
}

// DropTable removes a table and its rows.
func (s *Server) DropTable(db, name string) error {
	k := parseDB(db)
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.table(k, name) == nil {
		return fmt.Errorf("drop table %s in database %s: %w", name, db, tableNotFound(k, name))
	}
	delete(s.dbs[k].tables, name)
	return nil
}

// AddColumn adds a column to a table; a tag joins the primary key. Rows
// already stored read NULL for it.
func (s *Server) AddColumn(db, name string, c ColumnInfo) error {
	k := parseDB(db)
	s.mu.Lock()
	defer s.mu.Unlock()
	t := s.table(k, name)
	if t == nil {
		return fmt.Errorf("add column %s to table %s: %w", c.Name, name, tableNotFound(k, name))
	}
	if _, ok := t.idx[c.Name]; ok {
		return fmt.Errorf("add column %s to table %s: column already exists", c.Name, name)
	}
	if c.Semantic == table.Timestamp {
		return fmt.Errorf("add column %s to table %s: the table already has time index %s", c.Name, name, t.info.TimeIndex)
	}
	if c.Type == table.Decimal128 && c.Precision == 0 {
		c.Precision, c.Scale = defaultDecimalPrecision, defaultDecimalScale
	}
	c.Options = copyMap(c.Options)
	s.addColumns(t, []ColumnInfo{c})
	return nil
}

// AlterColumnType changes a column's data type, as ALTER TABLE MODIFY
// COLUMN would; stored values are kept as they are. Tests use it to make a
// client's cached schema stale.
func (s *Server) AlterColumnType(db, name, column string, typ table.DataType) error {
	k := parseDB(db)
	s.mu.Lock()
	defer s.mu.Unlock()
	t := s.table(k, name)
	if t == nil {
		return fmt.Errorf("alter column %s of table %s: %w", column, name, tableNotFound(k, name))
	}
	i, ok := t.idx[column]
	if !ok {
		return fmt.Errorf("alter column %s of table %s: no such column", column, name)
	}
	if !typ.Valid() {
		return fmt.Errorf("alter column %s of table %s: invalid type %v", column, name, typ)
	}
	t.info.Columns[i].Type = typ
	return nil
}

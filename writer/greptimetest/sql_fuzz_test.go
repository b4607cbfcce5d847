package greptimetest

import (
	"testing"

	gpb "github.com/GreptimeTeam/greptime-proto/go/greptime/v1"
)

// FuzzQuerySQL feeds arbitrary SQL text to the DDL parser: it must answer
// or refuse, never panic.
func FuzzQuerySQL(f *testing.F) {
	for _, seed := range []string{
		"CREATE DATABASE d",
		"CREATE TABLE IF NOT EXISTS d.t (a STRING PRIMARY KEY, ts TIMESTAMP(3) TIME INDEX, v DOUBLE DEFAULT 0) ENGINE=mito WITH (ttl='1d')",
		"CREATE TABLE t (ts TIMESTAMP, TIME INDEX (ts)) PARTITION ON COLUMNS (a) (a < 'x', a >= 'x')",
		"ALTER TABLE t ADD COLUMN c VECTOR(3) FULLTEXT INDEX WITH (analyzer='English')",
		"DROP TABLE IF EXISTS a, b.c",
		"CREATE TABLE t (a DECIMAL(10, 2), ts TIMESTAMP TIME INDEX) WITH ('compaction.type' = 'twcs')",
		"create table `q` (\"x\" int, ts timestamp(9) not null default now(), time index(ts));",
		"'unterminated", "(((", "SELECT 1",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, sql string) {
		s := &Server{autoCreate: true, dbs: map[dbKey]*database{}, nextTableID: minUserTableID - 1}
		k := dbKey{defaultCatalog, defaultSchema}
		s.dbs[k] = &database{key: k, tables: map[string]*tableState{}}
		_, _ = s.query(k, nil, &gpb.QueryRequest{Query: &gpb.QueryRequest_Sql{Sql: sql}})
		_, _ = s.query(k, nil, &gpb.QueryRequest{Query: &gpb.QueryRequest_Sql{Sql: sql}})
	})
}

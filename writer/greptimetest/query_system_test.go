package greptimetest

import (
	"fmt"
	"testing"
)

// TestInfoColumnsSkipsOtherTables: a look-up of one table's columns builds
// rows only for the tables its WHERE terms on table_schema and table_name
// can match, and answers exactly what filtering every row would.
func TestInfoColumnsSkipsOtherTables(t *testing.T) {
	s := StartT(t, Options{})
	c := dial(t, s)
	for _, name := range []string{"a", "b", "wide"} {
		c.sql("public", "CREATE TABLE "+name+" (ts TIMESTAMP TIME INDEX, host STRING PRIMARY KEY, v DOUBLE)").expectOK(t, 0)
	}
	for _, where := range []string{
		"table_schema = 'public' AND table_name = 'b'",
		"table_name != 'wide'",
		"table_name = 'b' AND table_name = 'a'",
		"table_schema = 'other'",
		"column_name = 'v'",
	} {
		q := "SELECT table_name, column_name, ordinal_position FROM information_schema.columns WHERE " + where
		toks, err := lexSQL(q)
		if err != nil {
			t.Fatal(err)
		}
		p := &parser{toks: splitStatements(toks)[0]}
		p.acceptKw("select")
		st, err := parseSelect(p)
		if err != nil {
			t.Fatal(err)
		}
		pushed, err := st.apply(s.infoColumns(defaultCatalog, st.tableFilter()))
		if err != nil {
			t.Fatal(err)
		}
		full, err := st.apply(s.infoColumns(defaultCatalog, nil))
		if err != nil {
			t.Fatal(err)
		}
		if got, want := fmt.Sprint(pushed.rows), fmt.Sprint(full.rows); got != want {
			t.Errorf("WHERE %s: %s, filtering every row gives %s", where, got, want)
		}
		built := s.infoColumns(defaultCatalog, st.tableFilter())
		wantBuilt := len(full.rows)
		if where == "column_name = 'v'" {
			wantBuilt = 9 // no table term: every column of the three tables
		}
		if len(built.rows) != wantBuilt {
			t.Errorf("WHERE %s: built %d rows, want %d", where, len(built.rows), wantBuilt)
		}
	}
}

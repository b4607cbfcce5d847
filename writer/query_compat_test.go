package writer_test

import (
	"errors"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/greptime-bridge/greptime-bridge/writer"
	"github.com/greptime-bridge/greptime-bridge/writer/table"
)

// TestCompatQueryRealGreptimeDB runs the query API against a real
// GreptimeDB (GREPTIMEDB_ADDR, as TestCompatRealGreptimeDB): a table
// written by row insert is read back through DoGet, its columns through
// information_schema, and a statement answers affected rows.
func TestCompatQueryRealGreptimeDB(t *testing.T) {
	addr := os.Getenv("GREPTIMEDB_ADDR")
	if addr == "" {
		t.Skip("GREPTIMEDB_ADDR not set: the real-GreptimeDB query suite did not run (no coverage)")
	}
	cfg := writer.DefaultConfig(addr)
	cfg.Username, cfg.Password = os.Getenv("GREPTIMEDB_USER"), os.Getenv("GREPTIMEDB_PASSWORD")
	c := newClient(t, cfg)
	ctx := ctxT(t)
	name := fmt.Sprintf("compat_query_%d", time.Now().UnixNano())
	if _, err := c.Write(ctx, cpuBatch(t, name, 5, 1000)); err != nil {
		t.Fatal(err)
	}
	rows, err := c.QueryRows(ctx, "SELECT host, usage, count FROM "+name+" WHERE count >= 3 ORDER BY ts")
	if err != nil {
		t.Fatal(err)
	}
	if len(rows.Values) != 2 || rows.Columns[1].Type != table.Float64 || !rows.Values[0][2].Equal(table.Int64Value(3)) {
		t.Errorf("rows %+v", rows)
	}
	cols, found, err := c.TableColumns(ctx, "public", name)
	if err != nil || !found || len(cols) != 4 || cols[0].Semantic != table.Timestamp || cols[1] != (writer.TableColumn{Name: "host", Type: table.String, Semantic: table.Tag, Nullable: true}) {
		t.Errorf("columns %+v found %v err %v", cols, found, err)
	}
	res, err := c.Query(ctx, "DROP TABLE "+name)
	if err != nil || !res.HasAffectedRows {
		t.Errorf("DROP TABLE: %+v %v", res, err)
	}
	_, err = c.Query(ctx, "SELECT * FROM "+name)
	var se *writer.ServerError
	if !errors.As(err, &se) || se.Status != writer.StatusTableNotFound {
		t.Errorf("dropped table: %v", err)
	}
}

package main

import (
	"context"
	"encoding/json"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/greptime-bridge/greptime-bridge/writer"
	"github.com/greptime-bridge/greptime-bridge/writer/greptimetest"
)

// TestDebugTablesShowsCreateDetails: /debug/tables lists each column's
// nullability and default, and the table's engine, time index, primary
// key, partition rule and SHOW CREATE TABLE text.
func TestDebugTablesShowsCreateDetails(t *testing.T) {
	s := greptimetest.StartT(t, greptimetest.Options{})
	c, err := writer.NewClient(writer.DefaultConfig(s.Addr()))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := c.ExecSQL(ctx, `CREATE TABLE d (ts TIMESTAMP(3) NOT NULL TIME INDEX, host STRING, n BIGINT DEFAULT 7, PRIMARY KEY (host))
		PARTITION ON COLUMNS (host) (host < 'm', host >= 'm') WITH (ttl = '7d')`); err != nil {
		t.Fatal(err)
	}
	rec := httptest.NewRecorder()
	debugTables(s).ServeHTTP(rec, httptest.NewRequest("GET", "/debug/tables?table=d", nil))
	var got []struct {
		Engine     string   `json:"engine"`
		TimeIndex  string   `json:"time_index"`
		PrimaryKey []string `json:"primary_key"`
		Partition  string   `json:"partition"`
		ShowCreate string   `json:"show_create_table"`
		Columns    []struct {
			Name     string `json:"name"`
			Nullable bool   `json:"nullable"`
			Default  string `json:"default"`
		} `json:"columns"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &got); err != nil || len(got) != 1 {
		t.Fatalf("%v: %s", err, rec.Body.String())
	}
	d := got[0]
	if d.Engine != "mito" || d.TimeIndex != "ts" || len(d.PrimaryKey) != 1 || d.PrimaryKey[0] != "host" ||
		!strings.HasPrefix(d.Partition, "PARTITION ON COLUMNS") || !strings.Contains(d.ShowCreate, "ttl = '7days'") {
		t.Errorf("table details %+v", d)
	}
	if len(d.Columns) != 3 || d.Columns[0].Nullable || !d.Columns[1].Nullable || d.Columns[2].Default != "7" {
		t.Errorf("columns %+v", d.Columns)
	}
}

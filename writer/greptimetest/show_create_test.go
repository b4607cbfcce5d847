package greptimetest

import (
	"testing"

	gpb "github.com/GreptimeTeam/greptime-proto/go/greptime/v1"
)

func TestCreateSQL(t *testing.T) {
	s := StartT(t, Options{})
	c := dial(t, s)
	c.sql("public", `CREATE TABLE system_metrics (id INT UNSIGNED SKIPPING INDEX WITH (type = 'BLOOM'), host STRING INVERTED INDEX,
		cpu DOUBLE, msg STRING FULLTEXT INDEX WITH (analyzer = 'English'), embedding VECTOR(4),
		ts TIMESTAMP(3) NOT NULL DEFAULT current_timestamp(), TIME INDEX (ts), PRIMARY KEY (id, host))
		ENGINE=mito WITH ('compaction.type' = 'twcs', skip_wal = 'true', ttl = '30s')`).expectOK(t, 0)
	ti, _ := s.Table("public", "system_metrics")
	want := `CREATE TABLE IF NOT EXISTS "system_metrics" (
  "id" INT UNSIGNED NULL SKIPPING INDEX WITH(type = 'BLOOM'),
  "host" STRING NULL INVERTED INDEX,
  "cpu" DOUBLE NULL,
  "msg" STRING NULL FULLTEXT INDEX WITH(analyzer = 'English'),
  "embedding" VECTOR(4) NULL,
  "ts" TIMESTAMP(3) NOT NULL DEFAULT current_timestamp(),
  TIME INDEX ("ts"),
  PRIMARY KEY ("id", "host")
)
ENGINE=mito
WITH(
  'compaction.type' = 'twcs',
  skip_wal = 'true',
  ttl = '30s'
)`
	if got := ti.CreateSQL(); got != want {
		t.Fatalf("got\n%s\nwant\n%s", got, want)
	}

	// A metric table created by a write, as in GreptimeDB's
	// tests-integration http.rs example.
	c.insert("public", []*gpb.RowInsertRequest{req("m", promSchema("job"), row(tv(1), fv(1), sv("a")))},
		"x-greptime-hints", "physical_table=greptime_physical_table")
	ti, _ = s.Table("public", "m")
	want = `CREATE TABLE IF NOT EXISTS "m" (
  "greptime_timestamp" TIMESTAMP(3) NOT NULL,
  "greptime_value" DOUBLE NULL,
  "job" STRING NULL,
  TIME INDEX ("greptime_timestamp"),
  PRIMARY KEY ("job")
)
ENGINE=metric
WITH(
  'comment' = 'Created on insertion',
  on_physical_table = 'greptime_physical_table'
)`
	if got := ti.CreateSQL(); got != want {
		t.Fatalf("got\n%s\nwant\n%s", got, want)
	}
}

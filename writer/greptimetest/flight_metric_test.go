package greptimetest

import (
	"testing"

	gpb "github.com/GreptimeTeam/greptime-proto/go/greptime/v1"
	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"google.golang.org/grpc/codes"
)

// TestDoPutAfterRowInsertWidening follows the bridge's plan for metric
// tables (greptimedb-protocol.md §3.5): create and widen a logical table
// by row insert, stream through DoPut; a label the physical table lacks is
// refused on the bulk path until a row insert adds it.
func TestDoPutAfterRowInsertWidening(t *testing.T) {
	s := StartT(t, Options{})
	rc := dial(t, s)
	hint := []string{"x-greptime-hints", "physical_table=phy"}
	rc.insert("public", []*gpb.RowInsertRequest{
		req("up", promSchema("job"), row(tv(1), fv(1), sv("node"))),
		req("load", promSchema("host"), row(tv(1), fv(0.5), sv("h1"))),
	}, hint...).expectOK(t, 2)

	fc := putDial(t, s.Addr())
	mem := memory.NewGoAllocator()
	label := func(n string) arrow.Field {
		return arrow.Field{Name: n, Type: arrow.BinaryTypes.String, Nullable: true}
	}
	schema := func(labels ...string) *arrow.Schema {
		fs := []arrow.Field{
			{Name: greptimeTimestamp, Type: &arrow.TimestampType{Unit: arrow.Millisecond}},
			{Name: greptimeValue, Type: arrow.PrimitiveTypes.Float64, Nullable: true},
		}
		for _, l := range labels {
			fs = append(fs, label(l))
		}
		return arrow.NewSchema(fs, nil)
	}
	put := func(labels []string, row []any) (putResponse, *putConn, error) {
		p := openPut(t, fc)
		p.mustRecv()
		sc := schema(labels...)
		putWrite(t, p.writer("up", sc), mem, sc, 1, row)
		r, err := p.recv()
		return r, p, err
	}

	if r, _, err := put([]string{"job"}, []any{int64(2), 2.0, "node"}); err != nil || r.AffectedRows != 1 {
		t.Fatalf("bulk into the logical table: %s, %v", r.raw, err)
	}
	// "host" exists in the physical table (through "load"): accepted, and
	// not written to "up".
	if r, _, err := put([]string{"job", "host"}, []any{int64(3), 3.0, "node", "h9"}); err != nil || r.AffectedRows != 1 {
		t.Fatalf("bulk with another table's label: %s, %v", r.raw, err)
	}
	_, p, err := put([]string{"job", "region"}, []any{int64(4), 4.0, "node", "eu"})
	up, _ := s.Table("public", "up")
	rid := s.flightRegion(dbKey{defaultCatalog, defaultSchema}, "up")
	putWantStatus(t, p, err, codes.NotFound, int(StatusTableColumnNotFound), "Column region not found in logical region "+rid)

	// A row insert adds the label; bulk then accepts it.
	rc.insert("public", []*gpb.RowInsertRequest{
		req("up", promSchema("job", "region"), row(tv(5), fv(5), sv("node"), sv("eu"))),
	}, hint...).expectOK(t, 1)
	if r, _, err := put([]string{"job", "region"}, []any{int64(6), 6.0, "node", "us"}); err != nil || r.AffectedRows != 1 {
		t.Fatalf("bulk after widening: %s, %v", r.raw, err)
	}
	if n := s.RowCount("public", "up"); n != 5 {
		t.Fatalf("rows in up = %d, want 5 (%v)", n, up.Columns)
	}
	if pc := s.PathCounts("public", "up"); pc[PathBulk] != 3 || pc[PathRowInsert] != 2 {
		t.Fatalf("path counts = %v", pc)
	}
}

package greptimetest

import (
	"testing"

	gpb "github.com/GreptimeTeam/greptime-proto/go/greptime/v1"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"google.golang.org/grpc/codes"
)

// regionNotReady is the error a write into a region that is not writable
// gets (mito2/src/error.rs RegionState, StatusCode::RegionNotReady).
var regionNotReady = Fault{
	Status: uint32(StatusRegionNotReady), Retryable: true,
	Message: "Region 4398046511104(1024, 0) is in Leader(Downgrading) state, expect: Leader(Writable)",
}

func TestTableFaultFailsRowInsertsNamingTheTable(t *testing.T) {
	s := StartT(t, Options{})
	c := dial(t, s)
	c.insert("public", []*gpb.RowInsertRequest{req("bad", cpuSchema(), row(sv("a"), tv(1), fv(1)))}).expectOK(t, 1)
	f := regionNotReady
	f.Table = "bad"
	s.FailNext(2, f)
	both := []*gpb.RowInsertRequest{
		req("good", cpuSchema(), row(sv("a"), tv(2), fv(1))),
		req("bad", cpuSchema(), row(sv("a"), tv(2), fv(1))),
	}
	r := c.insert("public", both)
	r.expectErr(t, codes.Unavailable, StatusRegionNotReady, f.Message)
	if hint := r.trailer.Get(headerErrRetryHint); len(hint) != 1 || hint[0] != "retryable" {
		t.Fatalf("retry hint = %v", hint)
	}
	// Nothing of the failed request is written, other tables included.
	if n := s.RowCount("public", "good"); n != 0 {
		t.Fatalf("good has %d rows after a failed request", n)
	}
	// A request without the table is untouched, and leaves the fault pending.
	c.insert("public", both[:1]).expectOK(t, 1)
	c.insert("public", both[1:]).expectErr(t, codes.Unavailable, StatusRegionNotReady, f.Message)
	c.insert("public", both).expectOK(t, 2)
	if g, b := s.RowCount("public", "good"), s.RowCount("public", "bad"); g != 1 || b != 2 {
		t.Fatalf("rows good %d bad %d, want 1 and 2", g, b)
	}
	// A DoPut fault on a table does not touch row inserts, and ClearFaults
	// drops what is pending.
	f.Method = "DoPut"
	s.FailNext(1, f)
	c.insert("public", both[1:]).expectOK(t, 1)
	s.ClearFaults()
	if err := s.tableFault(true, "bad"); err != nil {
		t.Fatalf("fault left after ClearFaults: %v", err)
	}
}

func TestTableFaultFailsDoPutAtFirstBatch(t *testing.T) {
	s := StartT(t, Options{})
	putMkTable(t, s, "public", putCPUTable("cpu"))
	putMkTable(t, s, "public", putCPUTable("other"))
	f := regionNotReady
	f.Table, f.Method = "cpu", "DoPut"
	s.FailNext(1, f)
	mem := memory.NewGoAllocator()
	sc := putCPUSchema()
	c := putDial(t, s.Addr())
	// Another table's stream is not affected.
	p := openPut(t, c)
	p.mustRecv()
	putWrite(t, p.writer("other", sc), mem, sc, 1, []any{"h", int64(1), 1.0, nil})
	if r := p.mustRecv(); r.RequestID != 1 || r.AffectedRows != 1 {
		t.Fatalf("other table: %s", r.raw)
	}
	p = openPut(t, c)
	p.mustRecv() // the ack comes before the table is known
	putWrite(t, p.writer("cpu", sc), mem, sc, 1, []any{"h", int64(1), 1.0, nil})
	_, err := p.recv()
	putWantStatus(t, p, err, codes.Unavailable, int(StatusRegionNotReady), f.Message)
	if n := s.RowCount("public", "cpu"); n != 0 {
		t.Fatalf("cpu has %d rows after a failed batch", n)
	}
	// The fault is used up.
	p = openPut(t, c)
	p.mustRecv()
	putWrite(t, p.writer("cpu", sc), mem, sc, 2, []any{"h", int64(2), 1.0, nil})
	if r := p.mustRecv(); r.RequestID != 2 || r.AffectedRows != 1 {
		t.Fatalf("after the fault: %s", r.raw)
	}
}

package writer

import (
	"testing"

	gpb "github.com/GreptimeTeam/greptime-proto/go/greptime/v1"
	"google.golang.org/protobuf/proto"

	"github.com/greptime-bridge/greptime-bridge/writer/table"
)

// TestArenaKeepsEarlierRequestsIntact converts several batches into one
// arena, forcing its slabs to grow, and checks every request still equals
// a conversion into a fresh arena: growing never moves what was handed out.
func TestArenaKeepsEarlierRequestsIntact(t *testing.T) {
	a := &rowArena{}
	var got []*gpb.RowInsertRequest
	var batches []*table.Batch
	for _, n := range []int{1, 3, 50, 700, 2} {
		b := benchBatch(n)
		batches = append(batches, b)
		req, err := convertBatch(b, a)
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, req)
	}
	for i, b := range batches {
		want, err := convertBatch(b, &rowArena{})
		if err != nil {
			t.Fatal(err)
		}
		if !proto.Equal(got[i], want) {
			t.Fatalf("request %d changed after later conversions into the same arena", i)
		}
	}
}

// TestArenaResetLeavesNoStaleValues reuses an arena for a batch whose
// cells are NULL where the previous batch had values.
func TestArenaResetLeavesNoStaleValues(t *testing.T) {
	var pool arenaPool
	full := table.NewSchema("t").Timestamp("ts", table.TimestampMillisecond).Field("v", table.Float64).Field("s", table.String).NewBatch("")
	sparse := table.NewSchema("t").Timestamp("ts", table.TimestampMillisecond).Field("v", table.Float64).Field("s", table.String).NewBatch("")
	for i := 0; i < 10; i++ {
		_ = full.AddRow(table.TimestampMillisecondValue(int64(i)), table.Float64Value(1), table.StringValue("x"))
		_ = sparse.AddRow(table.TimestampMillisecondValue(int64(i)), table.Null(), table.Null())
	}
	a := pool.get()
	if _, err := convertBatch(full, a); err != nil {
		t.Fatal(err)
	}
	pool.put(a)
	a = pool.get()
	req, err := convertBatch(sparse, a)
	if err != nil {
		t.Fatal(err)
	}
	for r, row := range req.Rows.Rows {
		if row.Values[1].ValueData != nil || row.Values[2].ValueData != nil {
			t.Fatalf("row %d kept a stale value: %v", r, row.Values)
		}
	}
	if len(req.Rows.Schema) != 3 || req.Rows.Schema[1].Options != nil || req.Rows.Schema[1].DatatypeExtension != nil {
		t.Errorf("schema carried state over: %v", req.Rows.Schema)
	}
	pool.put(a)
}

func TestArenaConversionAllocatesNothingWhenWarm(t *testing.T) {
	b := benchBatch(500)
	var pool arenaPool
	warm := pool.get()
	if _, err := convertBatch(b, warm); err != nil {
		t.Fatal(err)
	}
	allocs := testing.AllocsPerRun(20, func() {
		warm.reset()
		if _, err := convertBatch(b, warm); err != nil {
			t.Fatal(err)
		}
	})
	if allocs != 0 {
		t.Fatalf("warm conversion allocated %v times", allocs)
	}
}

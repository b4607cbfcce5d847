package writer_test

import (
	"strings"
	"testing"
	"time"

	"github.com/greptime-bridge/greptime-bridge/writer/greptimetest"
)

// TestBulkResponseReturnedOnce: a response taken by Collect is not returned
// again by Wait, so a caller summing affected rows counts it once.
func TestBulkResponseReturnedOnce(t *testing.T) {
	_, c := bulkSetup(t, greptimetest.Options{})
	ctx := bulkCtx(t)
	createByInsert(t, c, sensorBatch(t, 1, -1000))
	w, err := c.NewBulkInserter("").StreamWriter(ctx, sensorSchema)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	id, err := w.WriteAsync(ctx, sensorBatch(t, 3, 0))
	if err != nil {
		t.Fatal(err)
	}
	collected := 0
	deadline := time.Now().Add(10 * time.Second)
	for collected == 0 && time.Now().Before(deadline) {
		for _, r := range w.Collect() {
			if r.RequestID == id {
				collected++
			}
		}
		time.Sleep(5 * time.Millisecond)
	}
	if collected != 1 {
		t.Fatalf("response collected %d times", collected)
	}
	if _, err := w.Wait(ctx, id); err == nil || !strings.Contains(err.Error(), "already returned") && !strings.Contains(err.Error(), "no request") {
		t.Fatalf("Wait after Collect: %v, want an already-returned error", err)
	}
	if err := w.Finish(ctx); err != nil {
		t.Fatal(err)
	}
}

package e2e

import (
	"testing"
	"time"
)

// TestTelemetrygenDeepGoesByBulk sends OTLP histograms in exports of
// 1,000 points: each export is 16,000 _bucket rows for one table, well
// over the default 1,000-row threshold. The first export creates the
// tables by row insert; telemetrygen waits for each export's answer, so
// the rest of the rows come in later flushes and must go by bulk.
func TestTelemetrygenDeepGoesByBulk(t *testing.T) {
	bin := peer(t, "telemetrygen", "E2E_TELEMETRYGEN")
	b := startBridge(t)
	const points, perExport = 4000, 1000
	runPeer(t, 3*time.Minute, bin, "metrics", "--otlp-insecure", "--otlp-endpoint", b.GRPC,
		"--metrics", "4000", "--metric-type", "Histogram", "--otlp-metric-name", "tg_deep",
		"--unique-timeseries", "--rate", "0", "--batch-size", "1000")
	tables := b.tables(t, "")
	for name, perPoint := range map[string]int{"tg_deep_bucket": tgHistogramBuckets, "tg_deep_count": 1, "tg_deep_sum": 1} {
		ti := tables[name]
		want := points * perPoint
		if ti.Rows != want {
			t.Errorf("%s: %d rows, want %d", name, ti.Rows, want)
		}
		ins, bulk := ti.ByPath["row-insert"], ti.ByPath["bulk"]
		if ins+bulk != want {
			t.Errorf("%s: %d rows by insert and %d by bulk, want %d in all", name, ins, bulk, want)
		}
		afterFirst := want - perExport*perPoint
		if bulk*10 < afterFirst*9 {
			t.Errorf("%s: %d of the %d rows after the first export went by bulk, want at least 90%% (by path %v)",
				name, bulk, afterFirst, ti.ByPath)
		}
	}
}

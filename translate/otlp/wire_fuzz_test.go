package otlp

import (
	"testing"

	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/pmetric"

	"github.com/greptime-bridge/greptime-bridge/translate"
)

// FuzzWireMetrics holds the wire path to the pdata path on arbitrary bytes
// (both refuse, or both give the same tables, columns, types and rows) and
// on valid requests generated from the same bytes, without limits and under
// small shape limits (diffLimited says where the paths may then disagree).
func FuzzWireMetrics(f *testing.F) {
	addSeeds(f, "telemetrygen_metrics_*.pb")
	f.Add([]byte{0x0a, 0x02, 0x12, 0x00})
	f.Add([]byte{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20})
	f.Fuzz(func(t *testing.T, data []byte) {
		c := NewConverter()
		gen, err := (&pmetric.ProtoMarshaler{}).MarshalMetrics(genMetrics(&byteSource{b: data}))
		if err != nil {
			t.Fatal(err)
		}
		for _, body := range [][]byte{data, gen} {
			for _, opts := range []RequestOptions{{}, {PromoteScopeAttrs: true, Strategy: NoTranslation}, {PromoteAllResourceAttrs: true, ConvertExponentialHistograms: true}} {
				diffMetrics(t, c, body, translate.DefaultDatabaseOptions(), opts)
			}
			diffMetricsLimited(t, c, body, RequestOptions{PromoteAllResourceAttrs: true, PromoteScopeAttrs: true})
		}
	})
}

// FuzzWireLogs is FuzzWireMetrics for logs.
func FuzzWireLogs(f *testing.F) {
	addSeeds(f, "telemetrygen_logs.pb")
	f.Add([]byte{0x0a, 0x02, 0x12, 0x00})
	f.Add([]byte{9, 8, 7, 6, 5, 4, 3, 2, 1, 0, 200, 100, 50, 25, 12, 6, 3})
	f.Fuzz(func(t *testing.T, data []byte) {
		c := NewConverter()
		gen, err := (&plog.ProtoMarshaler{}).MarshalLogs(genLogs(&byteSource{b: data}))
		if err != nil {
			t.Fatal(err)
		}
		for _, body := range [][]byte{data, gen} {
			diffLogs(t, c, body, RequestOptions{})
			diffLogsLimited(t, c, body, RequestOptions{})
		}
	})
}

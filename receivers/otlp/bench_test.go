package otlp_test

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"testing"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.opentelemetry.io/collector/pdata/pmetric/pmetricotlp"

	"github.com/greptime-bridge/greptime-bridge/receivers/dbselect"
	"github.com/greptime-bridge/greptime-bridge/receivers/otlp"
)

// BenchmarkHTTPSumRequest: one telemetrygen-shaped request (1,000 Sum
// points, 12 attributes) through the HTTP handler to a consumer that only
// counts rows: body read, wire decode, translation, budget and answer, per
// point. No network and no writer.
func BenchmarkHTTPSumRequest(b *testing.B) {
	md := pmetric.NewMetrics()
	rm := md.ResourceMetrics().AppendEmpty()
	rm.Resource().Attributes().PutStr("service.name", "telemetrygen")
	mt := rm.ScopeMetrics().AppendEmpty().Metrics().AppendEmpty()
	mt.SetName("gen")
	sum := mt.SetEmptySum()
	sum.SetIsMonotonic(true)
	sum.SetAggregationTemporality(pmetric.AggregationTemporalityCumulative)
	for i := 0; i < 1000; i++ {
		dp := sum.DataPoints().AppendEmpty()
		dp.SetTimestamp(pcommon.Timestamp(1_700_000_000_000_000_000 + int64(i)))
		dp.SetIntValue(int64(i))
		a := dp.Attributes()
		for _, k := range []string{"k01", "k02", "k03", "k04", "k05", "k06", "k07", "k08", "k09", "k10", "k11"} {
			a.PutStr(k, "value-of-"+k)
		}
		a.PutInt("series", int64(i))
	}
	body, err := pmetricotlp.NewExportRequestFromMetrics(md).MarshalProto()
	if err != nil {
		b.Fatal(err)
	}
	cons := &countingConsumer{}
	r := otlp.New(otlp.Config{}, cons, nil, &dbselect.Selector{Default: "public"}, nil, nil, nil)
	mux := http.NewServeMux()
	r.Register(mux)
	b.ReportAllocs()
	for b.Loop() {
		req := httptest.NewRequest(http.MethodPost, "/v1/metrics", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/x-protobuf")
		w := httptest.NewRecorder()
		mux.ServeHTTP(w, req)
		if w.Code != http.StatusOK {
			b.Fatalf("status %d: %s", w.Code, w.Body)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/1000, "ns/point")
}

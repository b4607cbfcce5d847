package table

import (
	"fmt"
	"testing"
)

// BenchmarkAppendBatchCoalesce measures what a pipeline worker does while
// a write is in flight: 32 requests of 1,000 rows for one table appended
// into the first, as 32 concurrent OTLP senders of 1,000-record requests
// coalesce. The shape is a log table's: a timestamp, an integer and four
// strings of which one is a 330-byte attribute object.
func BenchmarkAppendBatchCoalesce(b *testing.B) {
	const requests, rows = 32, 1000
	schema := NewSchema("logs").Timestamp("ts", TimestampNanosecond).Field("sev", Int32).
		Field("trace_id", String).Field("body", String).Field("attrs", JSON).Field("res", JSON)
	reqs := make([]*Batch, requests)
	for i := range reqs {
		reqs[i] = schema.NewBatch("public")
		for r := range rows {
			attrs := fmt.Sprintf(`{"attr_10":"value-%d","http.route":"/api/v1/resource/%d","k":"%0300d"}`, r%13, r, r)
			if err := reqs[i].AddRow(TimestampNanosecondValue(int64(r)), Int32Value(9), StringValue(fmt.Sprintf("%032x", r)),
				StringValue(fmt.Sprintf("request handled route=/api/v1/resource/%d", r)), StringValue(attrs), StringValue(`{"service.name":"checkout"}`)); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.ReportAllocs()
	for b.Loop() {
		acc := schema.NewBatch("public")
		for _, r := range reqs {
			if err := acc.AppendBatch(r); err != nil {
				b.Fatal(err)
			}
		}
		if acc.Rows() != requests*rows {
			b.Fatalf("%d rows", acc.Rows())
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*requests*rows), "ns/row")
}

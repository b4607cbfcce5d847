package otlp_test

import (
	"context"
	"fmt"
	"net/http"
	"sync"

	"go.opentelemetry.io/collector/pdata/pmetric"

	"github.com/greptime-bridge/greptime-bridge/translate"
	"github.com/greptime-bridge/greptime-bridge/translate/otlp"
)

func Example() {
	// A receiver pools converters: one per request, reset before it goes
	// back (the pool lives in the receiver, not in a global).
	converters := sync.Pool{New: func() any { return otlp.NewConverter() }}

	// The receiver passes the request headers through unchanged.
	h := http.Header{}
	h.Set("X-Greptime-DB-Name", "obs")
	opts, err := otlp.OptionsFromHeaders(h.Get)
	if err != nil {
		panic(err)
	}

	md := pmetric.NewMetrics()
	rm := md.ResourceMetrics().AppendEmpty()
	rm.Resource().Attributes().PutStr("service.name", "shop")
	m := rm.ScopeMetrics().AppendEmpty().Metrics().AppendEmpty()
	m.SetName("disk.io")
	m.SetUnit("By")
	sum := m.SetEmptySum()
	sum.SetIsMonotonic(true)
	dp := sum.DataPoints().AppendEmpty()
	dp.SetTimestamp(1_700_000_000_123_456_789)
	dp.SetIntValue(4096)

	c := converters.Get().(*otlp.Converter)
	defer func() { c.Reset(); converters.Put(c) }()
	var out translate.Output
	if err := c.Metrics(context.Background(), md, translate.DefaultDatabaseOptions(), &opts, &out); err != nil {
		panic(err)
	}
	for _, b := range out.Batches {
		fmt.Println(b.Database, b.Table, b.Rows())
		for _, col := range b.Columns() {
			fmt.Println(" ", col.Name, col.Type, col.Semantic)
		}
	}
	// Output:
	// obs disk_io_bytes_total 1
	//   service_name STRING TAG
	//   job STRING TAG
	//   greptime_timestamp TIMESTAMP_MILLISECOND TIMESTAMP
	//   greptime_value FLOAT64 FIELD
}

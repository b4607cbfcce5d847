package prom_test

import (
	"context"
	"fmt"
	"os"

	"github.com/klauspost/compress/s2"

	"github.com/greptime-bridge/greptime-bridge/translate"
	"github.com/greptime-bridge/greptime-bridge/translate/prom"
)

// A receiver decompresses a snappy remote write 1.0 body and translates it
// into batches with the request's database and GreptimeDB's defaults.
func ExampleTranslate() {
	body, err := os.ReadFile("testdata/prometheus-2.42-rw1-series.snappy")
	if err != nil {
		fmt.Println(err)
		return
	}
	raw, err := s2.Decode(nil, body)
	if err != nil {
		fmt.Println(err)
		return
	}
	opts := prom.DefaultOptions()
	opts.Database = "public"
	var out translate.Output
	if err := prom.Translate(context.Background(), raw, &opts, &out); err != nil {
		fmt.Println(err)
		return
	}
	b := out.Batches[0]
	phys, _ := b.Hints.Get(prom.HintPhysicalTable)
	fmt.Println(out.Samples, b.Database, b.Table, b.Columns()[0].Name, phys)
	// Output: 444 public go_gc_duration_seconds greptime_timestamp greptime_physical_table
}

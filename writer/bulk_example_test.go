package writer_test

import (
	"context"
	"fmt"
	"log"

	"github.com/greptime-bridge/greptime-bridge/writer"
	"github.com/greptime-bridge/greptime-bridge/writer/greptimetest"
	"github.com/greptime-bridge/greptime-bridge/writer/table"
)

// Bulk writes stream large batches into an existing table over Arrow
// Flight: create (or widen) the table with a row insert, then keep one
// stream writer per table and write asynchronously.
func ExampleBulkInserter() {
	srv, err := greptimetest.Start(greptimetest.Options{}) // or a GreptimeDB at localhost:4001
	if err != nil {
		log.Fatal(err)
	}
	defer srv.Close()
	c, err := writer.NewClient(writer.DefaultConfig(srv.Addr()))
	if err != nil {
		log.Fatal(err)
	}
	defer c.Close()
	ctx := context.Background()

	schema := table.NewSchema("cpu").Tag("host", table.String).
		Timestamp("ts", table.TimestampMillisecond).Field("usage", table.Float64)
	batch := func(start int64, n int) *table.Batch {
		b := schema.NewBatch("")
		for i := int64(0); i < int64(n); i++ {
			b.Col(0).AppendString("web-1")
			b.Col(1).AppendInt64(start + i)
			b.Col(2).AppendFloat64(float64(i) / 10)
			_ = b.EndRow()
		}
		return b
	}
	if _, err := c.Write(ctx, batch(0, 1)); err != nil { // creates the table
		log.Fatal(err)
	}

	w, err := c.NewBulkInserter("public").StreamWriter(ctx, schema, writer.WithParallelism(8))
	if err != nil {
		log.Fatal(err)
	}
	for i := int64(1); i <= 3; i++ {
		if _, err := w.WriteAsync(ctx, batch(i*1000, 1000)); err != nil {
			log.Fatal(err)
		}
	}
	resps, err := w.FinishWithResponses(ctx)
	if err != nil {
		log.Fatal(err) // a StreamEndedError lists the ids that were not written
	}
	for _, r := range resps {
		fmt.Printf("request %d: %d rows\n", r.RequestID, r.AffectedRows)
	}
	// Output:
	// request 1: 1000 rows
	// request 2: 1000 rows
	// request 3: 1000 rows
}

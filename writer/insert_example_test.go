package writer_test

import (
	"context"
	"fmt"
	"time"

	"github.com/greptime-bridge/greptime-bridge/writer"
	"github.com/greptime-bridge/greptime-bridge/writer/greptimetest"
	"github.com/greptime-bridge/greptime-bridge/writer/table"
)

// startExampleServer stands in for a GreptimeDB at localhost:4001.
func startExampleServer() *greptimetest.Server {
	s, err := greptimetest.Start(greptimetest.Options{})
	if err != nil {
		panic(err)
	}
	return s
}

func ExampleClient_Write() {
	srv := startExampleServer()
	defer srv.Close()

	cfg := writer.DefaultConfig(srv.Addr()) // e.g. "localhost:4001"
	cfg.Retry = &writer.RetryPolicy{MaxAttempts: 3}
	c, err := writer.NewClient(cfg)
	if err != nil {
		panic(err)
	}
	defer c.Close()

	// The schema becomes the table when GreptimeDB creates it: tags form
	// the primary key, the timestamp the time index, hints the options.
	b := table.NewSchema("cpu").
		Timestamp("ts", table.TimestampMillisecond).
		Tag("host", table.String).
		Field("usage", table.Float64).
		WithHint("ttl", "7d").
		NewBatch("")
	now := time.Now()
	for i, host := range []string{"web-1", "web-2"} {
		if err := b.AddRow(table.TimeOf(table.TimestampMillisecond, now), table.StringValue(host), table.Float64Value(0.25*float64(i+1))); err != nil {
			panic(err)
		}
	}
	rows, err := c.Write(context.Background(), b)
	fmt.Println(rows, err)
	// Output: 2 <nil>
}

func ExampleClient_NewStreamInserter() {
	srv := startExampleServer()
	defer srv.Close()
	c, err := writer.NewClient(writer.DefaultConfig(srv.Addr()))
	if err != nil {
		panic(err)
	}
	defer c.Close()

	st, err := c.NewStreamInserter(context.Background())
	if err != nil {
		panic(err)
	}
	schema := table.NewSchema("events").Timestamp("ts", table.TimestampMillisecond).Tag("kind", table.String)
	for i := int64(0); i < 3; i++ {
		b := schema.NewBatch("")
		_ = b.AddRow(table.TimestampMillisecondValue(i), table.StringValue("click"))
		if err := st.Write(b); err != nil {
			panic(err)
		}
	}
	rows, err := st.CloseAndRecv()
	fmt.Println(rows, err)
	// Output: 3 <nil>
}

func ExampleClient_ExecSQL() {
	srv := startExampleServer()
	defer srv.Close()
	c, err := writer.NewClient(writer.DefaultConfig(srv.Addr()))
	if err != nil {
		panic(err)
	}
	defer c.Close()

	_, err = c.ExecSQL(context.Background(), `CREATE TABLE IF NOT EXISTS logs (
		ts TIMESTAMP(3) TIME INDEX,
		host STRING,
		body STRING FULLTEXT INDEX,
		PRIMARY KEY (host)
	) WITH (append_mode = 'true')`)
	fmt.Println(err)
	// Output: <nil>
}

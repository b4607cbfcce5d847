// Command bulk_stream_writer shows GreptimeDB bulk inserts (Arrow Flight
// DoPut) with the writer package: it generates a large data set of server
// metrics, creates the table with one row insert (bulk writes never create
// tables), then streams the data twice, once with one batch in flight at a
// time and once with eight, and prints the rows per second of each.
//
//	go run ./examples/bulk_stream_writer                  # GreptimeDB at localhost:4001
//	go run ./examples/bulk_stream_writer -embedded        # in-process test server
//	go run ./examples/bulk_stream_writer -rows 2000000 -batch 20000
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"time"

	"github.com/greptime-bridge/greptime-bridge/writer"
	"github.com/greptime-bridge/greptime-bridge/writer/greptimetest"
	"github.com/greptime-bridge/greptime-bridge/writer/table"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	err := run(ctx, os.Args[1:], os.Stdout)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "bulk_stream_writer:", err)
		os.Exit(1)
	}
}

type options struct {
	addr     string
	embedded bool
	database string
	table    string
	rows     int
	batch    int
}

func parseFlags(args []string) (options, error) {
	var o options
	fs := flag.NewFlagSet("bulk_stream_writer", flag.ContinueOnError)
	fs.StringVar(&o.addr, "addr", "localhost:4001", "GreptimeDB gRPC address")
	fs.BoolVar(&o.embedded, "embedded", false, "start the in-process test server instead of using -addr")
	fs.StringVar(&o.database, "database", "public", "database to write to")
	fs.StringVar(&o.table, "table", "bulk_host_metrics", "table to write to (created if missing)")
	fs.IntVar(&o.rows, "rows", 1_000_000, "rows to write in each run")
	fs.IntVar(&o.batch, "batch", 10_000, "rows per batch")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	if o.rows <= 0 || o.batch <= 0 {
		return o, fmt.Errorf("-rows and -batch must be positive")
	}
	return o, nil
}

func run(ctx context.Context, args []string, out io.Writer) error {
	o, err := parseFlags(args)
	if err != nil {
		return err
	}
	addr := o.addr
	if o.embedded {
		// Count-only: the server decodes and checks every batch but keeps
		// no rows, so a large run does not fill memory.
		srv, err := greptimetest.Start(greptimetest.Options{CountOnly: true})
		if err != nil {
			return fmt.Errorf("cannot start the embedded server: %w", err)
		}
		defer srv.Close()
		addr = srv.Addr()
	}
	cfg := writer.DefaultConfig(addr)
	cfg.Database = o.database
	c, err := writer.NewClient(cfg)
	if err != nil {
		return err
	}
	defer c.Close()

	schema := metricsSchema(o.table)
	batches := generate(schema, o.rows, o.batch)
	fmt.Fprintf(out, "generated %d rows in %d batches of up to %d rows, %d columns\n", o.rows, len(batches), o.batch, len(schema.Columns))

	// GreptimeDB never creates a table from a bulk stream: create it (or
	// widen it) with a row insert first.
	seed := schema.NewBatch("")
	if err := seed.AddRow(batches[0].Row(0)...); err != nil {
		return err
	}
	if _, err := c.Write(ctx, seed); err != nil {
		return fmt.Errorf("cannot create table %s: %w", o.table, err)
	}

	bi := c.NewBulkInserter("")
	for _, par := range []int{1, writer.DefaultBulkParallelism} {
		rate, err := stream(ctx, bi, schema, batches, par)
		if err != nil {
			return err
		}
		fmt.Fprintf(out, "parallelism %d: %d rows, %.0f rows/s\n", par, o.rows, rate)
	}
	return nil
}

// stream writes every batch over one bulk stream with par batches in flight
// and returns the rows per second, counted until the last acknowledgement.
func stream(ctx context.Context, bi *writer.BulkInserter, schema *table.Schema, batches []*table.Batch, par int) (float64, error) {
	w, err := bi.StreamWriter(ctx, schema, writer.WithParallelism(par))
	if err != nil {
		return 0, err
	}
	defer w.Close()
	start := time.Now()
	var rows int64
	for _, b := range batches {
		if _, err := w.WriteAsync(ctx, b); err != nil {
			return 0, err
		}
		for _, r := range w.Collect() {
			rows += r.AffectedRows
		}
	}
	resps, err := w.FinishWithResponses(ctx)
	if err != nil {
		return 0, err
	}
	for _, r := range resps {
		rows += r.AffectedRows
	}
	return float64(rows) / time.Since(start).Seconds(), nil
}

// metricsSchema is a host-metrics table: 3 tags, the time index, 6 fields.
func metricsSchema(name string) *table.Schema {
	return table.NewSchema(name).
		Tag("region", table.String).Tag("host", table.String).Tag("service", table.String).
		Timestamp("ts", table.TimestampMillisecond).
		Field("cpu", table.Float64).Field("memory", table.Float64).Field("disk_io", table.Int64).
		Field("requests", table.Int64).Field("healthy", table.Boolean).Field("version", table.String)
}

// generate builds rows of deterministic synthetic metrics in batches of
// batch rows, appending column by column without boxing values.
func generate(schema *table.Schema, rows, batch int) []*table.Batch {
	regions := []string{"eu-west", "us-east", "ap-south"}
	services := []string{"api", "db", "cache", "queue"}
	base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).UnixMilli()
	var out []*table.Batch
	for done := 0; done < rows; {
		n := min(batch, rows-done)
		b := schema.NewBatch("")
		for i := 0; i < n; i++ {
			r := done + i
			host := r % 1000
			b.Col(0).AppendString(regions[host%len(regions)])
			b.Col(1).AppendString(fmt.Sprintf("host-%04d", host))
			b.Col(2).AppendString(services[host%len(services)])
			b.Col(3).AppendInt64(base + int64(r/1000)*1000)
			b.Col(4).AppendFloat64(float64(r%100) / 100)
			b.Col(5).AppendFloat64(float64(r%4096) * 1.5)
			b.Col(6).AppendInt64(int64(r % 10_000))
			b.Col(7).AppendInt64(int64(r % 977))
			b.Col(8).AppendBool(r%17 != 0)
			b.Col(9).AppendString("v1.4.2")
			_ = b.EndRow() // cannot fail: one value of the right class per column
		}
		out = append(out, b)
		done += n
	}
	return out
}

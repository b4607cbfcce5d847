// Command insert shows GreptimeDB row inserts with the writer package:
// simulated IoT sensors report in real time and every insert prints its
// latency, and a second table holds one column of every data type GreptimeDB
// can auto-create from a row insert.
//
//	go run ./examples/insert                   # GreptimeDB at localhost:4001
//	go run ./examples/insert -embedded         # in-process test server
//	go run ./examples/insert -iterations 20 -interval 200ms
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
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
		fmt.Fprintln(os.Stderr, "insert:", err)
		os.Exit(1)
	}
}

type options struct {
	addr       string
	embedded   bool
	database   string
	sensors    int
	interval   time.Duration
	duration   time.Duration
	iterations int
}

func parseFlags(args []string) (options, error) {
	var o options
	fs := flag.NewFlagSet("insert", flag.ContinueOnError)
	fs.StringVar(&o.addr, "addr", "localhost:4001", "GreptimeDB gRPC address")
	fs.BoolVar(&o.embedded, "embedded", false, "start the in-process test server instead of using -addr")
	fs.StringVar(&o.database, "database", "public", "database to write to")
	fs.IntVar(&o.sensors, "sensors", 8, "number of simulated sensors")
	fs.DurationVar(&o.interval, "interval", time.Second, "time between sensor reports")
	fs.DurationVar(&o.duration, "duration", 10*time.Second, "how long to run (0: until -iterations)")
	fs.IntVar(&o.iterations, "iterations", 0, "number of reports to send (0: until -duration)")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	if o.sensors <= 0 || o.interval <= 0 {
		return o, fmt.Errorf("-sensors and -interval must be positive")
	}
	if o.duration <= 0 && o.iterations <= 0 {
		return o, fmt.Errorf("set -duration or -iterations so the example ends")
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
		srv, err := greptimetest.Start(greptimetest.Options{})
		if err != nil {
			return fmt.Errorf("cannot start the embedded server: %w", err)
		}
		defer srv.Close()
		addr = srv.Addr()
		fmt.Fprintf(out, "embedded GreptimeDB-compatible server on %s\n", addr)
	}
	cfg := writer.DefaultConfig(addr)
	cfg.Database = o.database
	cfg.RequestTimeout = 5 * time.Second
	cfg.Retry = &writer.RetryPolicy{MaxAttempts: 3}
	c, err := writer.NewClient(cfg)
	if err != nil {
		return err
	}
	defer c.Close()
	if err := c.HealthCheck(ctx); err != nil {
		return fmt.Errorf("GreptimeDB at %s is not reachable: %w", addr, err)
	}
	if err := writeAllTypes(ctx, c, out); err != nil {
		return err
	}
	return simulateSensors(ctx, c, o, out)
}

// simulateSensors sends one batch with every sensor's reading per tick and
// prints the insert latency.
func simulateSensors(ctx context.Context, c *writer.Client, o options, out io.Writer) error {
	if o.duration > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, o.duration)
		defer cancel()
	}
	schema := table.NewSchema("sensor_readings").
		Timestamp("ts", table.TimestampMillisecond).
		Tag("sensor_id", table.String).
		Tag("location", table.String).
		Field("temperature", table.Float64).
		Field("humidity", table.Float64).
		Field("battery", table.Uint8).
		WithHint("ttl", "7d")
	b := schema.NewBatch("")
	rng := rand.New(rand.NewPCG(1, 2))
	tick := time.NewTicker(o.interval)
	defer tick.Stop()
	var total uint32
	var worst, sum time.Duration
	sent := 0
	for {
		b.Reset(true)
		now := time.Now()
		for s := 0; s < o.sensors; s++ {
			temp := 20 + 5*math.Sin(float64(now.Unix())/60+float64(s)) + rng.NormFloat64()*0.2
			if err := b.AddRow(table.TimeOf(table.TimestampMillisecond, now),
				table.StringValue(fmt.Sprintf("sensor-%02d", s)), table.StringValue([]string{"hall", "lab", "roof"}[s%3]),
				table.Float64Value(temp), table.Float64Value(40+rng.Float64()*20), table.Uint8Value(uint8(100-sent%100))); err != nil {
				return err
			}
		}
		start := time.Now()
		n, err := c.Write(ctx, b)
		lat := time.Since(start)
		if err != nil {
			if ended(ctx) {
				break // -duration elapsed or interrupted mid-insert
			}
			return fmt.Errorf("insert %d: %w", sent+1, err)
		}
		sent++
		total += n
		sum += lat
		worst = max(worst, lat)
		fmt.Fprintf(out, "insert %4d: %d rows in %v\n", sent, n, lat.Round(time.Microsecond))
		if o.iterations > 0 && sent >= o.iterations {
			break
		}
		if !waitTick(ctx, tick) {
			break
		}
	}
	if sent > 0 {
		fmt.Fprintf(out, "sensor_readings: %d inserts, %d rows, mean latency %v, worst %v\n",
			sent, total, (sum / time.Duration(sent)).Round(time.Microsecond), worst.Round(time.Microsecond))
	}
	return nil
}

// waitTick waits for the next tick; false when ctx ended first.
func waitTick(ctx context.Context, tick *time.Ticker) bool {
	select {
	case <-ctx.Done():
		return false
	case <-tick.C:
		return true
	}
}

// ended reports whether ctx is done or past its deadline: gRPC's own
// deadline timer may fail a call an instant before ctx reports it.
func ended(ctx context.Context) bool {
	if ctx.Err() != nil {
		return true
	}
	dl, ok := ctx.Deadline()
	return ok && !time.Now().Before(dl)
}

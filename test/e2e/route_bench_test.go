package e2e

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/greptime-bridge/greptime-bridge/pipeline"
	"github.com/greptime-bridge/greptime-bridge/writer"
	"github.com/greptime-bridge/greptime-bridge/writer/table"
)

// BenchmarkRouteDepth finds the per-table depth from which a bulk batch on
// a long-lived stream costs the bridge less CPU than the table's share of a
// multi-table row insert. Each iteration writes one flush of 10,000 rows
// in Prometheus's shape (timestamp, value, 8 string labels) spread over
// 10,000/depth tables, either as one multi-table row insert or as one bulk
// batch per table on that table's stream (all sent, then all awaited, as a
// worker does). The test server runs as a separate process (GT_FLAGS, by
// default -count-only), so the figure `client-cpu-ns/row` is this
// process's CPU alone, read from getrusage; `server-cpu-ns/row` is the
// test server's, from /proc, for reference only (GreptimeDB's own costs
// differ). Run it with:
//
//	go test -run '^$' -bench RouteDepth -benchtime 20x ./test/e2e/
func BenchmarkRouteDepth(b *testing.B) {
	gt := startGreptimetestProcess(b)
	c, err := writer.NewClient(writer.DefaultConfig(gt.addr))
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	// Enough streams for the shallowest case, so the benchmark measures
	// steady streams, not eviction.
	streams := pipeline.NewStreams(c, 2048, time.Hour, nil)
	defer func() { _ = streams.Close(context.Background()) }()
	ctx := context.Background()
	const flushRows = 10_000
	for _, depth := range []int{10, 20, 50, 100, 200, 500, 1000, 2000, 5000} {
		tables := flushRows / depth
		batches := routeBatches(depth, tables)
		// The tables are created once, through a row insert, as the
		// pipeline does before it routes a table by bulk.
		if _, err := c.Write(ctx, batches...); err != nil {
			b.Fatal(err)
		}
		b.Run(fmt.Sprintf("depth=%d/tables=%d/rows", depth, tables), func(b *testing.B) {
			measureCPU(b, gt.pid, flushRows, func() {
				if _, err := c.Write(ctx, batches...); err != nil {
					b.Fatal(err)
				}
			})
		})
		b.Run(fmt.Sprintf("depth=%d/tables=%d/bulk", depth, tables), func(b *testing.B) {
			waits := make([]func(context.Context) error, len(batches))
			measureCPU(b, gt.pid, flushRows, func() {
				for i, bt := range batches {
					w, err := streams.WriteBulk(ctx, bt)
					if err != nil {
						b.Fatal(err)
					}
					waits[i] = w
				}
				for _, w := range waits {
					if err := w(ctx); err != nil {
						b.Fatal(err)
					}
				}
			})
		})
	}
}

// measureCPU runs f in b.Loop and reports this process's and the server's
// CPU per row.
func measureCPU(b *testing.B, serverPID, rowsPerOp int, f func()) {
	b.Helper()
	self0, srv0 := selfCPU(b), procCPU(b, serverPID)
	ops := 0
	for b.Loop() {
		f()
		ops++
	}
	self1, srv1 := selfCPU(b), procCPU(b, serverPID)
	rows := float64(ops * rowsPerOp)
	b.ReportMetric(float64(self1-self0)/rows, "client-cpu-ns/row")
	b.ReportMetric(float64(srv1-srv0)/rows, "server-cpu-ns/row")
	b.ReportMetric(rows/b.Elapsed().Seconds(), "rows/s")
}

func selfCPU(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// procCPU reads a process's user + system CPU from /proc/PID/stat.
func procCPU(b *testing.B, pid int) time.Duration {
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		b.Fatal(err)
	}
	// The command name, in parentheses, may hold spaces: fields count
	// from after its closing parenthesis (utime and stime are fields 14
	// and 15 of the whole line).
	f := strings.Fields(string(raw[strings.LastIndexByte(string(raw), ')')+2:]))
	ut, _ := strconv.ParseInt(f[11], 10, 64)
	st, _ := strconv.ParseInt(f[12], 10, 64)
	// Clock ticks are 100 per second on Linux.
	return time.Duration(ut+st) * 10 * time.Millisecond
}

func routeBatches(depth, tables int) []*table.Batch {
	base := time.Now().UnixMilli()
	out := make([]*table.Batch, tables)
	for t := range tables {
		bt := table.New("public", fmt.Sprintf("route_d%d_t%d", depth, t))
		for r := range depth {
			bt.MustColumn("greptime_timestamp", table.TimestampMillisecond, table.Timestamp).AppendInt64(base + int64(r))
			bt.MustColumn("greptime_value", table.Float64, table.Field).AppendFloat64(float64(r))
			bt.MustColumn("instance", table.String, table.Tag).AppendString(fmt.Sprintf("host-%d.example.internal:9100", r))
			bt.MustColumn("job", table.String, table.Tag).AppendString("node")
			for l := 2; l < 8; l++ {
				bt.MustColumn("label_"+strconv.Itoa(l), table.String, table.Tag).AppendString(fmt.Sprintf("value-%d-%d", l, r%17))
			}
			if err := bt.EndRow(); err != nil {
				panic(err)
			}
		}
		out[t] = bt
	}
	return out
}

type gtProcess struct {
	addr string
	pid  int
}

var gtServing = regexp.MustCompile(`greptimetest serving on (\S+)`)

// startGreptimetestProcess builds cmd/greptimetest and starts it on a free
// loopback port with GT_FLAGS (default -count-only).
func startGreptimetestProcess(b *testing.B) gtProcess {
	b.Helper()
	bin := filepath.Join(b.TempDir(), "greptimetest")
	build := exec.Command("go", "build", "-o", bin, "./cmd/greptimetest")
	build.Dir = filepath.Join("..", "..")
	if out, err := build.CombinedOutput(); err != nil {
		b.Fatalf("build greptimetest: %v\n%s", err, out)
	}
	flags := strings.Fields(os.Getenv("GT_FLAGS"))
	if len(flags) == 0 {
		flags = []string{"-count-only"}
	}
	cmd := exec.Command(bin, append([]string{"-addr", "127.0.0.1:0"}, flags...)...)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		b.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	lines := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if m := gtServing.FindStringSubmatch(sc.Text()); m != nil {
				lines <- m[1]
			}
		}
	}()
	select {
	case addr := <-lines:
		return gtProcess{addr: addr, pid: cmd.Process.Pid}
	case <-time.After(30 * time.Second):
		b.Fatal("greptimetest printed no address within 30s")
	}
	return gtProcess{}
}

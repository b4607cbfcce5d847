// Command loadgen is the bridge's load harness: it pre-generates realistic
// remote write (1.0, 2.0) and OTLP (metrics, logs) requests and sends them
// with closed-loop senders, measuring what the target accepted, its
// latency and the CPU and peak RSS of the target's own process; it also
// serves as a counting sink for peers under test. bench/compare.sh drives
// it; bench/README.md explains the figures.
//
//	loadgen [run] -proto rw1 -target http://127.0.0.1:8429/api/v1/write -pid vmagent=1234
//	loadgen sink -addr 127.0.0.1:9999
//	loadgen summarize results.jsonl
//	loadgen ports 3
//	loadgen wait 127.0.0.1:4001 127.0.0.1:4000
package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := dispatch(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// dispatch runs a subcommand and returns the exit code.
func dispatch(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	cmd := "run"
	if len(args) > 0 && len(args[0]) > 0 && args[0][0] != '-' {
		cmd, args = args[0], args[1:]
	}
	var err error
	switch cmd {
	case "run":
		err = runLoad(ctx, args, stdout, stderr)
	case "sink":
		err = runSink(ctx, args, stdout, stderr)
	case "summarize":
		err = summarize(args, stdout)
	case "ports":
		err = ports(args, stdout)
	case "wait":
		err = waitListening(ctx, args)
	default:
		err = fmt.Errorf("unknown command %q: want run, sink, summarize, ports or wait", cmd)
	}
	if err != nil {
		fmt.Fprintln(stderr, "loadgen:", err)
		return 1
	}
	return 0
}

// ports prints n free loopback ports, one a line, for scripts that must
// put listen addresses on command lines. They are released before the
// caller binds them; a clash is possible but rare on 127.0.0.1.
func ports(args []string, out io.Writer) error {
	n := 1
	if len(args) > 0 {
		var err error
		if n, err = strconv.Atoi(args[0]); err != nil || n < 1 || n > 64 {
			return fmt.Errorf("ports %q: want a count from 1 to 64", args[0])
		}
	}
	var ls []net.Listener
	defer func() {
		for _, l := range ls {
			l.Close()
		}
	}()
	for range n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return err
		}
		ls = append(ls, l)
		fmt.Fprintln(out, l.Addr().(*net.TCPAddr).Port)
	}
	return nil
}

// waitListening returns when every host:port accepts a TCP connection, or
// fails after 60 s (a peer that does not start is an error, not a wait).
// Arguments pid=N name processes that must stay alive meanwhile: one that
// exits fails the wait at once instead of after a minute.
func waitListening(ctx context.Context, args []string) error {
	ctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	var pids []int
	var addrs []string
	for _, a := range args {
		if v, ok := strings.CutPrefix(a, "pid="); ok {
			pid, err := strconv.Atoi(v)
			if err != nil || pid < 1 {
				return fmt.Errorf("%q: want pid=N", a)
			}
			pids = append(pids, pid)
			continue
		}
		addrs = append(addrs, a)
	}
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	var d net.Dialer
	for _, a := range addrs {
		for {
			c, err := d.DialContext(ctx, "tcp", a)
			if err == nil {
				c.Close()
				break
			}
			for _, pid := range pids {
				if !alive(pid) {
					return fmt.Errorf("process %d exited before %s accepted connections", pid, a)
				}
			}
			select {
			case <-ctx.Done():
				return fmt.Errorf("%s does not accept connections: %w", a, err)
			case <-tick.C:
			}
		}
	}
	return nil
}

// alive reports whether process pid exists and has not exited (a child
// its parent has not reaped yet is a zombie, state Z, in /proc/PID/stat).
func alive(pid int) bool {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return false
	}
	i := bytes.LastIndexByte(b, ')')
	if i < 0 || i+2 >= len(b) {
		return false
	}
	return b[i+2] != 'Z' && b[i+2] != 'X'
}

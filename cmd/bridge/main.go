// Command bridge receives Prometheus remote write and OTLP telemetry and
// writes it into GreptimeDB in GreptimeDB's own table layouts.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/greptime-bridge/greptime-bridge/config"
)

// version and commit are set at build time with
// -ldflags "-X main.version=… -X main.commit=…" (the Dockerfile and
// .ci/image do).
var (
	version = "dev"
	commit  = "unknown"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Environ(), os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// run is main without the process: it returns the exit code.
func run(ctx context.Context, args, environ []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("bridge", flag.ContinueOnError)
	fs.SetOutput(stderr)
	configPath := fs.String("config", "", "path of the YAML configuration file")
	checkOnly := fs.Bool("check-config", false, "validate the configuration, list every problem, and exit")
	showVersion := fs.Bool("version", false, "print the version and exit")
	dev := fs.Bool("dev", false, "run with an embedded GreptimeDB-compatible test server (data kept in memory only)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *showVersion {
		fmt.Fprintf(stdout, "greptime-bridge %s (commit %s)\n", version, commit)
		return 0
	}
	cfg, err := config.Load(*configPath, environ)
	if err == nil {
		err = cfg.Validate()
	}
	if err != nil {
		fmt.Fprintln(stderr, "invalid configuration:")
		for _, line := range strings.Split(err.Error(), "\n") {
			fmt.Fprintln(stderr, "  "+line)
		}
		return 1
	}
	if *checkOnly {
		fmt.Fprintln(stdout, "configuration is valid")
		return 0
	}
	log := newLogger(cfg.Log, stderr)
	if err := serve(ctx, cfg, *dev, log, stdout); err != nil && !errors.Is(err, context.Canceled) {
		log.Error("bridge stopped", "error", err)
		return 1
	}
	return 0
}

func newLogger(c config.Log, w io.Writer) *slog.Logger {
	level := slog.LevelInfo
	switch c.Level {
	case config.LogLevelDebug:
		level = slog.LevelDebug
	case config.LogLevelWarn:
		level = slog.LevelWarn
	case config.LogLevelError:
		level = slog.LevelError
	}
	opts := &slog.HandlerOptions{Level: level}
	if c.Format == config.LogFormatJSON {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

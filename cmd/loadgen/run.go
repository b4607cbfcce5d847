package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/greptime-bridge/greptime-bridge/cmd/loadgen/internal/gen"
	"github.com/greptime-bridge/greptime-bridge/cmd/loadgen/internal/load"
)

// Protocols the run command speaks.
const (
	protoRW1      = "rw1"
	protoRW2      = "rw2"
	protoOTLPGRPC = "otlp-grpc"
	protoOTLPHTTP = "otlp-http"
)

// kvFlags collects repeated key=value flags in order.
type kvFlags [][2]string

func (f *kvFlags) String() string { return fmt.Sprint(*f) }

func (f *kvFlags) Set(v string) error {
	k, val, ok := strings.Cut(v, "=")
	if !ok || k == "" {
		return fmt.Errorf("%q: want key=value", v)
	}
	*f = append(*f, [2]string{k, val})
	return nil
}

// runFlags are the run command's settings; the defaults are the issue's
// remote-write shape (2,000 series × 1 sample per request, 100 names).
type runFlags struct {
	proto, target, encoding     string
	series, labels, names       int
	samples, seriesPerReq       int
	kind                        string
	items, attrs, resAttrs      int
	resources, metrics, senders int
	rate                        float64
	warmup, duration            time.Duration
	pids, tags                  kvFlags
	json, fixed                 bool
}

func parseRun(args []string, stderr io.Writer) (*runFlags, error) {
	f := &runFlags{}
	fs := flag.NewFlagSet("run", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&f.proto, "proto", protoRW1, "rw1, rw2, otlp-grpc or otlp-http")
	fs.StringVar(&f.target, "target", "", "URL (remote write, otlp-http: the full path) or host:port (otlp-grpc)")
	fs.StringVar(&f.encoding, "encoding", "snappy", "remote write 1.0 body encoding: snappy (Prometheus) or zstd (vmagent)")
	fs.IntVar(&f.series, "series", 10000, "distinct series (remote write) or items (OTLP) cycled over")
	fs.IntVar(&f.labels, "labels", 8, "remote write: labels per series, __name__ included")
	fs.IntVar(&f.names, "names", 100, "remote write: metric names the series spread over")
	fs.IntVar(&f.samples, "samples", 1, "remote write: samples per series in a request")
	fs.IntVar(&f.seriesPerReq, "series-per-request", 2000, "remote write: series per request")
	fs.StringVar(&f.kind, "kind", gen.KindSum, "OTLP: sum, gauge, histogram or logs")
	fs.IntVar(&f.items, "items", 1000, "OTLP: data points or log records per request")
	fs.IntVar(&f.attrs, "attrs", 12, "OTLP: attributes per data point or log record")
	fs.IntVar(&f.resAttrs, "resource-attrs", 6, "OTLP: attributes per resource")
	fs.IntVar(&f.resources, "resources", 1, "OTLP: resources per request")
	fs.IntVar(&f.metrics, "metrics", 10, "OTLP: metrics per resource")
	fs.IntVar(&f.senders, "senders", 8, "concurrent closed-loop senders")
	fs.Float64Var(&f.rate, "rate", 0, "total items per second (0: as fast as answered)")
	fs.DurationVar(&f.warmup, "warmup", 5*time.Second, "load sent before the measured window")
	fs.DurationVar(&f.duration, "duration", 20*time.Second, "measured window")
	fs.Var(&f.pids, "pid", "name=PID of a process to measure (repeatable; the first is the target)")
	fs.Var(&f.tags, "tag", "key=value label copied into the result (repeatable)")
	fs.BoolVar(&f.json, "json", false, "print the result as one JSON line")
	fs.BoolVar(&f.fixed, "fixed", false, "send the requests as generated (same timestamps every cycle, compressed once) to keep the generator's CPU near zero")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if f.target == "" {
		return nil, fmt.Errorf("-target is required")
	}
	return f, nil
}

// templates pre-generates every request of one cycle over the series set.
func (f *runFlags) templates(now time.Time) ([]*gen.Template, error) {
	switch f.proto {
	case protoRW1, protoRW2:
		rw := gen.RemoteWrite{
			SeriesSet:        gen.SeriesSet{Series: f.series, Labels: f.labels, Names: f.names},
			SeriesPerRequest: f.seriesPerReq, SamplesPerSeries: f.samples, Version2: f.proto == protoRW2,
		}
		return rw.Requests(now)
	case protoOTLPGRPC, protoOTLPHTTP:
		o := gen.OTLP{
			Kind: f.kind, Series: f.series, ItemsPerRequest: f.items, ResourcesPerRequest: f.resources,
			MetricsPerResource: f.metrics, Attributes: f.attrs, ResourceAttributes: f.resAttrs,
		}
		return o.Requests(now)
	}
	return nil, fmt.Errorf("-proto %q: want rw1, rw2, otlp-grpc or otlp-http", f.proto)
}

// transport builds the sender side of the protocol, with the headers real
// senders put on the wire.
func (f *runFlags) transport() (load.Transport, error) {
	h := http.Header{}
	h.Set("User-Agent", "greptime-bridge-loadgen")
	switch f.proto {
	case protoRW1:
		h.Set("Content-Type", "application/x-protobuf")
		switch f.encoding {
		case "snappy": // Prometheus storage/remote/client.go
			h.Set("Content-Encoding", "snappy")
			h.Set("X-Prometheus-Remote-Write-Version", "0.1.0")
		case "zstd": // vmagent app/vmagent/remotewrite/client.go newRequest
			h.Set("Content-Encoding", "zstd")
			h.Set("X-VictoriaMetrics-Remote-Write-Version", "1")
		default:
			return nil, fmt.Errorf("-encoding %q: want snappy or zstd", f.encoding)
		}
		return load.NewHTTP(f.target, h, f.encoding, f.senders)
	case protoRW2:
		// Remote write 2.0 spec, "Protocol": snappy only.
		h.Set("Content-Type", "application/x-protobuf;proto=io.prometheus.write.v2.Request")
		h.Set("Content-Encoding", "snappy")
		h.Set("X-Prometheus-Remote-Write-Version", "2.0.0")
		return load.NewHTTP(f.target, h, "snappy", f.senders)
	case protoOTLPHTTP:
		h.Set("Content-Type", "application/x-protobuf")
		return load.NewHTTP(f.target, h, "", f.senders)
	case protoOTLPGRPC:
		method := "/opentelemetry.proto.collector.metrics.v1.MetricsService/Export"
		if f.kind == gen.KindLogs {
			method = "/opentelemetry.proto.collector.logs.v1.LogsService/Export"
		}
		return load.NewGRPC(f.target, method)
	}
	return nil, fmt.Errorf("-proto %q: want rw1, rw2, otlp-grpc or otlp-http", f.proto)
}

// runLoad generates the requests, runs the load and prints the result.
func runLoad(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	f, err := parseRun(args, stderr)
	if err != nil {
		return err
	}
	cfg := load.Config{Senders: f.senders, Rate: f.rate, Warmup: f.warmup, Duration: f.duration, Fixed: f.fixed}
	for _, p := range f.pids {
		pid, err := strconv.Atoi(p[1])
		if err != nil || pid < 1 {
			return fmt.Errorf("-pid %s=%s: want name=PID", p[0], p[1])
		}
		cfg.Procs = append(cfg.Procs, load.Proc{Name: p[0], PID: pid})
	}
	tmpl, err := f.templates(time.Now())
	if err != nil {
		return err
	}
	tr, err := f.transport()
	if err != nil {
		return err
	}
	defer tr.Close()
	res, err := load.Run(ctx, cfg, tmpl, tr)
	if err != nil {
		return err
	}
	res.Tags = map[string]string{"proto": f.proto}
	for _, t := range f.tags {
		res.Tags[t[0]] = t[1]
	}
	if f.json {
		return json.NewEncoder(stdout).Encode(res)
	}
	res.WriteText(stdout)
	return nil
}

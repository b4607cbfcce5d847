package main

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"

	"github.com/greptime-bridge/greptime-bridge/config"
	"github.com/greptime-bridge/greptime-bridge/pipeline"
	"github.com/greptime-bridge/greptime-bridge/pipeline/queue"
	"github.com/greptime-bridge/greptime-bridge/receivers/dbselect"
	"github.com/greptime-bridge/greptime-bridge/receivers/otlp"
	"github.com/greptime-bridge/greptime-bridge/receivers/promrw"
	"github.com/greptime-bridge/greptime-bridge/writer"
	"github.com/greptime-bridge/greptime-bridge/writer/greptimetest"
)

// serve builds writer → pipeline → receivers, runs until ctx ends, then
// shuts down in order: listeners stop, the pipeline flushes within the
// shutdown timeout, bulk streams finish, the client closes.
func serve(ctx context.Context, cfg config.Config, dev bool, log *slog.Logger, stdout io.Writer) error {
	var devServer *greptimetest.Server
	if dev {
		s, err := greptimetest.Start(greptimetest.Options{})
		if err != nil {
			return fmt.Errorf("cannot start the embedded test server: %w", err)
		}
		defer s.Close()
		devServer = s
		cfg.GreptimeDB.Endpoints = []string{s.Addr()}
		cfg.GreptimeDB.Username, cfg.GreptimeDB.Password = "", ""
		cfg.GreptimeDB.TLS = config.TLS{} // the embedded server is plaintext
		if cfg.GreptimeDB.Compression != config.CompressionNone {
			// gRPC's gzip and zstd in this process hand messages on
			// undecoded for the OTLP receiver (receivers/otlp
			// grpc_compress.go), so the embedded server could not read
			// compressed writes.
			log.Info("dev mode writes to the embedded server uncompressed", "greptimedb.compression", string(cfg.GreptimeDB.Compression))
			cfg.GreptimeDB.Compression = config.CompressionNone
		}
		cfg.Listen.HTTP = loopback(cfg.Listen.HTTP)
		cfg.Listen.GRPC = loopback(cfg.Listen.GRPC)
	}
	// Options first: a value the wiring has no case for stops the start
	// before anything is opened.
	bulkOpts, err := bulkOptions(cfg)
	if err != nil {
		return err
	}
	promOpts, err := promOptions(cfg)
	if err != nil {
		return err
	}
	otlpOpts, err := otlpDefaults(cfg)
	if err != nil {
		return err
	}
	mode, err := pipelineMode(cfg.Pipeline.Mode)
	if err != nil {
		return err
	}
	client, err := newClient(cfg)
	if err != nil {
		return err
	}
	defer client.Close()

	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))

	batchRows := prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name: "bridge_write_batch_rows", Help: "Rows per write acknowledged by GreptimeDB, by path (insert: one multi-table row insert; bulk: one table's batch).",
		Buckets: prometheus.ExponentialBuckets(1, 4, 10),
	}, []string{"path"})
	flushSeconds := prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name: "bridge_write_duration_seconds", Help: "Time to write a flushed batch, retries included, by path.",
		Buckets: prometheus.ExponentialBuckets(0.001, 2, 14),
	}, []string{"path"})
	reg.MustRegister(batchRows, flushSeconds)
	streams := pipeline.NewStreams(client, cfg.Pipeline.MaxOpenStreams, cfg.Pipeline.StreamIdleTimeout, log, bulkOpts...)
	var bulk pipeline.BulkWriter = streams
	if mode == pipeline.ModeRows {
		bulk = nil
	}
	p := pipeline.New(pipeline.Config{
		Workers:           cfg.Pipeline.Workers,
		FlushInterval:     cfg.Pipeline.FlushInterval,
		MaxBatchRows:      cfg.Pipeline.MaxBatchRows,
		MaxBatchBytes:     int(cfg.Pipeline.MaxBatchBytes),
		Mode:              mode,
		BulkThresholdRows: cfg.Pipeline.BulkThresholdRows,
		Retry: pipeline.RetryConfig{
			MaxAttempts:    cfg.Pipeline.Retry.MaxAttempts,
			InitialBackoff: cfg.Pipeline.Retry.InitialBackoff, MaxBackoff: cfg.Pipeline.Retry.MaxBackoff,
		},
		WriteTimeout: cfg.GreptimeDB.Timeout,
		Observe: func(path string, rows int, took time.Duration) {
			batchRows.WithLabelValues(path).Observe(float64(rows))
			flushSeconds.WithLabelValues(path).Observe(took.Seconds())
		},
	}, client, pipeline.ClientDDL{Client: client}, bulk, log)
	// Tables created elsewhere (by SQL, another replica, before a restart)
	// are read from GreptimeDB on first sight; one look-up is one query,
	// bounded like one write.
	p.SetSchemaReader(pipeline.ClientSchema{Client: client}, cfg.GreptimeDB.Timeout)
	registerPipelineMetrics(reg, p, streams)

	setMemoryLimit(cfg.Limits.MemoryBudgetBytes, log)
	budget := pipeline.NewBudget(cfg.Limits.MemoryBudgetBytes, cfg.Limits.RetryAfter)
	reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "bridge_memory_budget_used_bytes",
		Help: "Bytes of the memory budget held by requests in flight.",
	}, func() float64 { return float64(budget.Used()) }))
	reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "bridge_memory_budget_bytes",
		Help: "Size of the memory budget.",
	}, func() float64 { return float64(budget.Limit()) }))
	reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "bridge_tables",
		Help: "Tables the bridge has written or validated.",
	}, func() float64 { return float64(p.Tables()) }))
	// With ack: on_queue the receivers hand requests to the disk queue,
	// which answers once they are durable and drains into the pipeline.
	var consumer promrw.Consumer = p
	var dq *queue.Queue
	switch cfg.Queue.Ack {
	case config.AckOnWrite:
	case config.AckOnQueue:
		if dq, err = openQueue(cfg, p, reg, log); err != nil {
			return err
		}
		consumer = dq
	default:
		return unknown("queue.ack", string(cfg.Queue.Ack))
	}
	sel := &dbselect.Selector{
		Default: cfg.GreptimeDB.Database, TenantHeader: cfg.Tenant.Header,
		Tenants: cfg.Tenant.Databases, MapUnknown: cfg.Tenant.MapUnknown,
	}
	authn := newAuthenticator(cfg, reg, log)

	series := seriesLimiter(cfg, reg, log)
	rw := promrw.New(promrw.Config{
		MaxRequestBytes: cfg.Limits.MaxRequestBytes, MaxDecompressedBytes: cfg.Limits.MaxDecompressedBytes,
		MaxInflight: cfg.Limits.MaxInflightRequests, RetryAfter: cfg.Limits.RetryAfter,
		BodyGrace: cfg.Limits.BodyRead.Grace, MinBodyRate: cfg.Limits.BodyRead.MinBytesPerSecond,
		Translate: promOpts, DBOptions: dbOptions(cfg), Series: series,
	}, consumer, budget, sel, authn, promrw.NewMetrics(reg), log)
	or := otlp.New(otlp.Config{
		MaxRequestBytes: cfg.Limits.MaxRequestBytes, MaxDecompressedBytes: cfg.Limits.MaxDecompressedBytes,
		RetryAfter: cfg.Limits.RetryAfter, Defaults: otlpOpts, DBOptions: dbOptions(cfg),
		Schemas: p.Schemas(), MaxInflight: cfg.Limits.MaxInflightRequests, Series: series,
		BodyGrace: cfg.Limits.BodyRead.Grace, MinBodyRate: cfg.Limits.BodyRead.MinBytesPerSecond,
	}, consumer, budget, sel, authn, otlp.NewMetrics(reg), log)
	if dq != nil {
		startQueue(dq, or)
	}

	var ready, dbUp atomic.Bool
	reachable := prometheus.NewGauge(prometheus.GaugeOpts{Name: "bridge_greptimedb_reachable", Help: "1 when GreptimeDB answered the last health check."})
	reg.MustRegister(reachable)

	mux := http.NewServeMux()
	rw.Register(mux)
	or.Register(mux)
	mux.Handle("/metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	mux.HandleFunc("/-/healthy", func(w http.ResponseWriter, _ *http.Request) { _, _ = io.WriteString(w, "ok\n") })
	mux.HandleFunc("/-/ready", func(w http.ResponseWriter, _ *http.Request) {
		if !ready.Load() {
			http.Error(w, "not ready", http.StatusServiceUnavailable)
			return
		}
		_, _ = io.WriteString(w, "ready\n")
	})
	mux.HandleFunc("/status", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{
			"ready": ready.Load(), "greptimedb_reachable": dbUp.Load(), "greptimedb_endpoints": cfg.GreptimeDB.Endpoints,
			"tables": p.Tables(), "open_bulk_streams": streams.Open(), "memory_budget_used_bytes": budget.Used(),
		})
	})
	if devServer != nil {
		mux.Handle("/debug/tables", debugTables(devServer))
	}
	if cfg.Listen.Pprof {
		mux.HandleFunc("/debug/pprof/", pprof.Index)
		mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
		mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	}

	var httpLn, grpcLn net.Listener
	if cfg.Listen.HTTP != "" {
		if httpLn, err = net.Listen("tcp", cfg.Listen.HTTP); err != nil {
			return fmt.Errorf("cannot listen for HTTP on %s: %w", cfg.Listen.HTTP, err)
		}
	}
	if cfg.Listen.GRPC != "" {
		if grpcLn, err = net.Listen("tcp", cfg.Listen.GRPC); err != nil {
			if httpLn != nil {
				httpLn.Close()
			}
			return fmt.Errorf("cannot listen for gRPC on %s: %w", cfg.Listen.GRPC, err)
		}
	}
	listenTLS, err := newListenTLS(cfg.Listen.TLS, log)
	if err != nil {
		if httpLn != nil {
			httpLn.Close()
		}
		if grpcLn != nil {
			grpcLn.Close()
		}
		return err
	}
	// ReadTimeout bounds slow senders holding a request slot with a body
	// that never finishes when limits.body_read is off; otherwise the
	// receivers' transfer-rate deadline (receivers/internal/ingress)
	// replaces it once they start reading a body.
	hs := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 2 * time.Minute}
	// The OTLP receiver's options (fixed stream windows, and one tap that
	// refuses a request without valid credentials, then takes its
	// in-flight slot when the headers arrive) bound what gRPC holds
	// before the receiver reads a message into the budget
	// (receivers/otlp grpc_stream.go).
	gopts := append(or.GRPCServerOptions(authn.GRPCTap), grpc.MaxRecvMsgSize(int(cfg.Limits.MaxRequestBytes)),
		grpc.MaxConcurrentStreams(uint32(max(cfg.Limits.MaxInflightRequests, 1))))
	if listenTLS != nil {
		// gRPC needs h2 in ALPN (grpc-go refuses a TLS connection without it).
		gopts = append(gopts, grpc.Creds(credentials.NewTLS(listenTLS.ServerConfig("h2"))))
		hs.TLSConfig = listenTLS.ServerConfig("h2", "http/1.1")
		if httpLn != nil {
			httpLn = tls.NewListener(httpLn, hs.TLSConfig)
		}
	}
	gs := grpc.NewServer(gopts...)
	or.RegisterGRPC(gs)
	errc := make(chan error, 2)
	if httpLn != nil {
		go func() { errc <- hs.Serve(httpLn) }()
	}
	if grpcLn != nil {
		go func() { errc <- gs.Serve(grpcLn) }()
	}
	ready.Store(true)
	hctx, stopHealth := context.WithCancel(ctx)
	defer stopHealth()
	go watchHealth(hctx, client, reachable, &dbUp, log)

	if dev {
		scheme := "http"
		if listenTLS != nil {
			scheme = "https"
		}
		printDev(stdout, scheme, httpLn, grpcLn, devServer)
	}
	log.Info("bridge started", "http", addrOf(httpLn), "grpc", addrOf(grpcLn), "tls", listenTLS != nil,
		"greptimedb", cfg.GreptimeDB.Endpoints, "mode", cfg.Pipeline.Mode, "ack", cfg.Queue.Ack)

	var serveErr error
	select {
	case <-ctx.Done():
	case serveErr = <-errc:
	}
	ready.Store(false)
	log.Info("shutting down")
	sctx, cancel := context.WithTimeout(context.Background(), cfg.Pipeline.ShutdownTimeout)
	defer cancel()
	// Stop both listeners first, then drain: gRPC's graceful stop is
	// bounded by the same deadline.
	stopped := make(chan struct{})
	go func() {
		gs.GracefulStop()
		close(stopped)
	}()
	_ = hs.Shutdown(sctx)
	select {
	case <-stopped:
	case <-sctx.Done():
		gs.Stop()
	}
	// The queue drains what it can before the pipeline stops; the rest
	// stays on disk for the next start.
	if dq != nil {
		if err := dq.Shutdown(sctx); err != nil {
			log.Warn("disk queue shutdown", "error", err)
		}
	}
	if err := p.Shutdown(sctx); err != nil {
		log.Error("pipeline shutdown", "error", err)
	}
	if err := streams.Close(sctx); err != nil {
		log.Error("finishing bulk streams", "error", err)
	}
	if serveErr != nil && !errors.Is(serveErr, http.ErrServerClosed) {
		return serveErr
	}
	return nil
}

func addrOf(l net.Listener) string {
	if l == nil {
		return ""
	}
	return l.Addr().String()
}

// loopback rewrites ":4318" to "127.0.0.1:4318": dev mode never listens on
// other interfaces.
func loopback(addr string) string {
	if addr == "" {
		return ""
	}
	_, port, err := net.SplitHostPort(addr)
	if err != nil {
		return addr
	}
	return net.JoinHostPort("127.0.0.1", port)
}

func watchHealth(ctx context.Context, c *writer.Client, g prometheus.Gauge, up *atomic.Bool, log *slog.Logger) {
	t := time.NewTicker(10 * time.Second)
	defer t.Stop()
	was := true
	for {
		hctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		err := c.HealthCheck(hctx)
		cancel()
		up.Store(err == nil)
		if err == nil {
			g.Set(1)
		} else {
			g.Set(0)
		}
		if (err == nil) != was {
			was = err == nil
			if err != nil {
				log.Warn("GreptimeDB is unreachable", "error", err)
			} else {
				log.Info("GreptimeDB is reachable again")
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

func printDev(w io.Writer, scheme string, httpLn, grpcLn net.Listener, s *greptimetest.Server) {
	h, g := scheme+"://"+addrOf(httpLn), addrOf(grpcLn)
	fmt.Fprintf(w, `greptime-bridge is running in -dev mode: data goes to an embedded GreptimeDB-compatible
test server (%s) and is kept in memory only. In production, point greptimedb.endpoints
at a real GreptimeDB.

  Prometheus remote_write:   %s/api/v1/write
  OTLP/HTTP endpoint:        %s
  OTLP/gRPC endpoint:        %s
  Tables written so far:     %s/debug/tables
  Metrics:                   %s/metrics
`, s.Addr(), h, h, g, h, h)
}

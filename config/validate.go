package config

import (
	"errors"
	"fmt"
	"net"
	"slices"
)

// Validate reports every problem in the configuration at once, each naming
// its YAML path.
func (c *Config) Validate() error {
	var errs []error
	bad := func(path, format string, args ...any) {
		errs = append(errs, fmt.Errorf("%s: %s", path, fmt.Sprintf(format, args...)))
	}
	g := c.GreptimeDB
	if len(g.Endpoints) == 0 {
		bad("greptimedb.endpoints", "at least one endpoint is required")
	}
	for i, ep := range g.Endpoints {
		if _, _, err := net.SplitHostPort(ep); err != nil {
			bad(fmt.Sprintf("greptimedb.endpoints[%d]", i), "%q is not host:port", ep)
		}
	}
	if g.Database == "" {
		bad("greptimedb.database", "must not be empty")
	}
	if g.Password != "" && g.Username == "" {
		bad("greptimedb.username", "required when a password is set")
	}
	if g.Timeout <= 0 {
		bad("greptimedb.timeout", "must be positive")
	}
	if g.ConnectTimeout <= 0 {
		bad("greptimedb.connect_timeout", "must be positive")
	}
	checkEnum(bad, "greptimedb.compression", g.Compression)
	checkEnum(bad, "greptimedb.bulk_compression", g.BulkCompression)
	if g.BulkParallelism < 1 || g.BulkParallelism > 32 {
		bad("greptimedb.bulk_parallelism", "%d is outside 1..32 (GreptimeDB drops responses past 32 pending)", g.BulkParallelism)
	}
	if !g.TLS.Enabled && (g.TLS.CAFile != "" || g.TLS.CertFile != "" || g.TLS.KeyFile != "" || g.TLS.ServerName != "" || g.TLS.InsecureSkipVerify) {
		// Ignoring them would connect in plaintext to someone who meant TLS.
		bad("greptimedb.tls.enabled", "must be true when ca_file, cert_file, key_file, server_name or insecure_skip_verify are set")
	}
	if (g.TLS.CertFile == "") != (g.TLS.KeyFile == "") {
		bad("greptimedb.tls", "cert_file and key_file go together")
	}
	if c.Listen.HTTP == "" && c.Listen.GRPC == "" {
		bad("listen", "at least one of http and grpc is required")
	}
	for _, la := range [][2]string{{"listen.http", c.Listen.HTTP}, {"listen.grpc", c.Listen.GRPC}} {
		path, addr := la[0], la[1]
		if addr == "" {
			continue
		}
		if _, _, err := net.SplitHostPort(addr); err != nil {
			bad(path, "%q is not [host]:port", addr)
		}
	}
	c.Listen.TLS.validate(bad)
	c.Auth.validate(bad)
	l := c.Limits
	validateShape(l.Shape, bad)
	if l.MaxRequestBytes <= 0 {
		bad("limits.max_request_bytes", "must be positive")
	}
	if l.MaxDecompressedBytes < l.MaxRequestBytes {
		bad("limits.max_decompressed_bytes", "must be at least limits.max_request_bytes")
	}
	if l.MemoryBudgetBytes < l.MaxDecompressedBytes {
		bad("limits.memory_budget_bytes", "must be at least limits.max_decompressed_bytes, or no request of the largest allowed size could be taken")
	}
	// One request may hold the budget less the quarter kept for requests
	// waiting in line (pipeline.Budget.Largest, waitingShare); a body as
	// sent, or an OTLP/gRPC message, is charged before anything else, so
	// one past that is refused 413 / ResourceExhausted every time.
	if largest := l.MemoryBudgetBytes - l.MemoryBudgetBytes/4; l.MaxRequestBytes > largest {
		bad("limits.max_request_bytes", "must be at most three quarters of limits.memory_budget_bytes (%d), the most one request may hold, or a request that large could never be taken", largest)
	}
	if l.MaxInflightRequests < 1 {
		bad("limits.max_inflight_requests", "must be at least 1")
	}
	if l.RetryAfter <= 0 {
		bad("limits.retry_after", "must be positive")
	}
	if l.BodyRead.MinBytesPerSecond < 0 {
		bad("limits.body_read.min_bytes_per_second", "must not be negative (0 turns the rule off)")
	}
	if l.BodyRead.MinBytesPerSecond > 0 && l.BodyRead.Grace <= 0 {
		bad("limits.body_read.grace", "must be positive when limits.body_read.min_bytes_per_second is set")
	}
	p := c.Pipeline
	if p.Workers < 1 || p.Workers > 256 {
		bad("pipeline.workers", "%d is outside 1..256", p.Workers)
	}
	if p.FlushInterval < 0 {
		bad("pipeline.flush_interval", "must not be negative")
	}
	if p.MaxBatchRows < 1 {
		bad("pipeline.max_batch_rows", "must be at least 1")
	}
	if p.MaxBatchBytes < 1 {
		bad("pipeline.max_batch_bytes", "must be at least 1")
	}
	checkEnum(bad, "pipeline.mode", p.Mode)
	if p.BulkThresholdRows < 1 {
		bad("pipeline.bulk_threshold_rows", "must be at least 1")
	}
	if p.MaxOpenStreams < 1 {
		bad("pipeline.max_open_streams", "must be at least 1")
	}
	if p.Retry.MaxAttempts < 1 {
		bad("pipeline.retry.max_attempts", "must be at least 1")
	}
	if p.Retry.InitialBackoff <= 0 || p.Retry.MaxBackoff < p.Retry.InitialBackoff {
		bad("pipeline.retry", "need 0 < initial_backoff <= max_backoff")
	}
	if p.ShutdownTimeout <= 0 {
		bad("pipeline.shutdown_timeout", "must be positive")
	}
	c.validateQueue(bad)
	checkDB := func(path string, d Database, isDefault bool) {
		if d.OTLPMetricMode != "" || isDefault {
			checkEnum(bad, path+".otlp_metric_mode", d.OTLPMetricMode)
		}
		if isDefault && d.PhysicalTable == "" {
			bad(path+".physical_table", "must not be empty")
		}
		validateSeriesLimits(path, d, isDefault, bad)
	}
	checkDB("database_defaults", c.DatabaseDefaults, true)
	names := make([]string, 0, len(c.Databases))
	for name := range c.Databases {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		d := c.Databases[name]
		if name == "" {
			bad("databases", "empty database name")
		}
		checkDB("databases."+name, d, false)
	}
	t := c.Translate
	checkEnum(bad, "translate.label_names", t.LabelNames)
	checkEnum(bad, "translate.label_value_utf8", t.LabelValueUTF8)
	checkEnum(bad, "translate.native_histograms", t.NativeHistograms)
	checkEnum(bad, "translate.exponential_histograms", t.ExponentialHistograms)
	checkEnum(bad, "translate.otlp_translation_strategy", t.OTLPTranslationStrategy)
	checkEnum(bad, "log.level", c.Log.Level)
	checkEnum(bad, "log.format", c.Log.Format)
	return errors.Join(errs...)
}

// checkEnum reports an enumerated setting that is none of its values.
func checkEnum[E enum](bad func(path, format string, args ...any), path string, v E) {
	if !valid(v) {
		bad(path, "%q is not one of %v", string(v), v.Values())
	}
}

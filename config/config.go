package config

import (
	"time"
)

// Config is the whole bridge configuration.
type Config struct {
	GreptimeDB GreptimeDB `yaml:"greptimedb"`
	Listen     Listen     `yaml:"listen"`
	Auth       Auth       `yaml:"auth"`
	Limits     Limits     `yaml:"limits"`
	Pipeline   Pipeline   `yaml:"pipeline"`
	// Queue chooses the acknowledgement mode and configures the disk queue.
	Queue Queue `yaml:"queue"`
	// Tenant maps a tenant header (e.g. X-Scope-OrgID) to databases; it is
	// consulted after x-greptime-db-name and ?db=, before the default.
	Tenant Tenant `yaml:"tenant"`
	// DatabaseDefaults are the per-database choices applied to every
	// database not listed in Databases.
	DatabaseDefaults Database `yaml:"database_defaults"`
	// Databases overrides DatabaseDefaults per database name.
	Databases map[string]Database `yaml:"databases"`
	Translate Translate           `yaml:"translate"`
	Log       Log                 `yaml:"log"`
}

// GreptimeDB is where and how the bridge writes.
type GreptimeDB struct {
	// Endpoints are GreptimeDB gRPC addresses; the writer fails over in order.
	Endpoints []string `yaml:"endpoints"`
	// Database is the default database when a request names none.
	Database string `yaml:"database"`
	// Username and Password authenticate to GreptimeDB (basic auth); both
	// empty for a server without authentication.
	Username string `yaml:"username"`
	Password Secret `yaml:"password"`
	// TLS secures the connection to GreptimeDB.
	TLS TLS `yaml:"tls"`
	// Timeout bounds each row insert and each bulk request.
	Timeout time.Duration `yaml:"timeout"`
	// ConnectTimeout bounds establishing a connection.
	ConnectTimeout time.Duration `yaml:"connect_timeout"`
	// Compression is the gRPC transport compression: none, gzip or zstd.
	Compression Compression `yaml:"compression"`
	// BulkCompression is the Arrow IPC body compression: none, lz4 or zstd.
	BulkCompression BulkCompression `yaml:"bulk_compression"`
	// BulkParallelism is the number of in-flight batches per bulk stream
	// (GreptimeDB keeps at most 32 pending responses per stream).
	BulkParallelism int `yaml:"bulk_parallelism"`
}

// TLS configures TLS to GreptimeDB or on a listener.
type TLS struct {
	// Enabled turns TLS on.
	Enabled bool `yaml:"enabled"`
	// CAFile is a PEM bundle of the CAs to trust; empty uses the system's.
	CAFile string `yaml:"ca_file"`
	// CertFile and KeyFile are a PEM client certificate and its key, for
	// mutual TLS.
	CertFile string `yaml:"cert_file"`
	KeyFile  string `yaml:"key_file"`
	// ServerName overrides the name checked in the server's certificate.
	ServerName string `yaml:"server_name"`
	// InsecureSkipVerify accepts any server certificate (tests only).
	InsecureSkipVerify bool `yaml:"insecure_skip_verify"`
}

// Listen holds the receivers' addresses.
type Listen struct {
	// HTTP serves OTLP/HTTP, remote write, /metrics and health.
	HTTP string `yaml:"http"`
	// GRPC serves OTLP/gRPC.
	GRPC string `yaml:"grpc"`
	// Pprof exposes /debug/pprof on the HTTP listener.
	Pprof bool `yaml:"pprof"`
	// TLS serves both listeners over TLS.
	TLS ListenTLS `yaml:"tls"`
}

// Limits bound what the bridge holds.
type Limits struct {
	// Shape bounds the labels, series and attributes of one request.
	Shape Shape `yaml:"shape"`
	// MaxRequestBytes bounds a request body as sent and an OTLP/gRPC
	// message, compressed or not (413 / ResourceExhausted beyond it). It
	// may be at most three quarters of memory_budget_bytes: the most one
	// request may hold of the budget.
	MaxRequestBytes int64 `yaml:"max_request_bytes"`
	// MaxDecompressedBytes bounds a decompressed request body (413).
	MaxDecompressedBytes int64 `yaml:"max_decompressed_bytes"`
	// MemoryBudgetBytes covers decompressed bodies, translated batches and
	// Arrow buffers awaiting acknowledgement; when it is full, receivers
	// answer 503 / Unavailable.
	MemoryBudgetBytes int64 `yaml:"memory_budget_bytes"`
	// MaxInflightRequests bounds the requests each receiver (remote write;
	// OTLP over HTTP and gRPC) handles at once; past it a request waits up
	// to a second for a slot, then gets 503 / Unavailable.
	MaxInflightRequests int `yaml:"max_inflight_requests"`
	// RetryAfter is the Retry-After sent with 503 answers.
	RetryAfter time.Duration `yaml:"retry_after"`
	// BodyRead is the transfer-rate rule for request bodies and
	// OTLP/gRPC messages.
	BodyRead BodyRead `yaml:"body_read"`
}

// BodyRead cuts request bodies that arrive too slowly: the body's n-th
// byte must have arrived Grace + n/MinBytesPerSecond after reading began,
// or the request is answered 400 and its in-flight slot and memory budget
// are freed (a sender trickling bytes cannot hold them). An OTLP/gRPC
// message is held to the same rule from its length prefix on, and a cut
// message is answered Canceled, which OTLP exporters retry. With
// MinBytesPerSecond 0, an OTLP/gRPC message must arrive whole within
// Grace (an HTTP body is then bounded by the server's 2-minute read
// timeout); Grace 0 turns the gRPC rule off.
type BodyRead struct {
	// Grace is the time every body gets before the rate counts.
	Grace time.Duration `yaml:"grace"`
	// MinBytesPerSecond is the slowest transfer rate allowed after Grace;
	// 0 turns the rule off.
	MinBytesPerSecond int64 `yaml:"min_bytes_per_second"`
}

// Pipeline configures batching, routing and retries.
type Pipeline struct {
	// Workers is the number of table workers; a table always stays on one
	// worker so its rows keep their order.
	Workers int `yaml:"workers"`
	// FlushInterval is how long an idle worker lingers for more rows before
	// it writes. 0, the default, writes at once: rows that arrive while a
	// write is in progress go together in the next one (group commit), so
	// batches grow with load and requests wait about one round trip.
	FlushInterval time.Duration `yaml:"flush_interval"`
	// MaxBatchRows and MaxBatchBytes flush a table's batch early.
	MaxBatchRows  int   `yaml:"max_batch_rows"`
	MaxBatchBytes int64 `yaml:"max_batch_bytes"`
	// Mode is auto (route by BulkThresholdRows), rows or bulk.
	Mode PipelineMode `yaml:"mode"`
	// BulkThresholdRows is the flushed batch size from which a table goes
	// through a bulk stream instead of the multi-table row insert.
	BulkThresholdRows int `yaml:"bulk_threshold_rows"`
	// MaxOpenStreams caps open bulk streams; the least recently used idle
	// stream is closed first.
	MaxOpenStreams int `yaml:"max_open_streams"`
	// StreamIdleTimeout closes a bulk stream unused this long.
	StreamIdleTimeout time.Duration `yaml:"stream_idle_timeout"`
	Retry             Retry         `yaml:"retry"`
	// ShutdownTimeout bounds the final flush on shutdown.
	ShutdownTimeout time.Duration `yaml:"shutdown_timeout"`
}

// Retry is capped exponential backoff with jitter.
type Retry struct {
	// MaxAttempts bounds the tries of one write, the first included.
	MaxAttempts int `yaml:"max_attempts"`
	// InitialBackoff is the first wait; each next one doubles, up to
	// MaxBackoff, with full jitter. A server's retry hint takes precedence.
	InitialBackoff time.Duration `yaml:"initial_backoff"`
	MaxBackoff     time.Duration `yaml:"max_backoff"`
}

// Tenant maps a tenant header to database names.
type Tenant struct {
	// Header is the header to read, e.g. X-Scope-OrgID; empty disables it.
	Header string `yaml:"header"`
	// Databases maps header values to databases; a value not listed is used
	// as the database name itself when MapUnknown is true.
	Databases  map[string]string `yaml:"databases"`
	MapUnknown bool              `yaml:"map_unknown"`
}

// Database holds the per-database choices GreptimeDB makes server-wide or by
// catalog state.
type Database struct {
	// MetricEngine writes Prometheus-style metrics as logical tables on a
	// physical metric table; false writes one plain table per metric.
	MetricEngine *bool `yaml:"metric_engine"`
	// PhysicalTable is the metric engine's physical table.
	PhysicalTable string `yaml:"physical_table"`
	// OTLPMetricMode is prom or legacy.
	OTLPMetricMode OTLPMetricMode `yaml:"otlp_metric_mode"`
	// MaxHourlySeries and MaxDailySeries bound the distinct series (table
	// and tag values) written into the database in the current clock hour
	// and UTC day, from remote write and OTLP metrics together; a request
	// bringing a new series past either is refused with 400 and counted.
	// 0 is unlimited.
	MaxHourlySeries *int `yaml:"max_hourly_series"`
	MaxDailySeries  *int `yaml:"max_daily_series"`
}

// Translate holds translation options.
type Translate struct {
	// LabelNames is reject (as GreptimeDB does) or sanitize.
	LabelNames LabelNames `yaml:"label_names"`
	// LabelValueUTF8 is strict, lossy or unchecked.
	LabelValueUTF8 LabelValueUTF8 `yaml:"label_value_utf8"`
	// NativeHistograms is reject (default) or classic (convert to
	// _bucket/_sum/_count tables).
	NativeHistograms NativeHistograms `yaml:"native_histograms"`
	// ExponentialHistograms is drop (as GreptimeDB does) or classic.
	ExponentialHistograms ExponentialHistograms `yaml:"exponential_histograms"`
	// OTLPTranslationStrategy is GreptimeDB's metric name translation
	// strategy; requests may override it with a header.
	OTLPTranslationStrategy OTLPTranslationStrategy `yaml:"otlp_translation_strategy"`
	// PromoteAllResourceAttributes, PromoteResourceAttributes and
	// IgnoreResourceAttributes choose resource attributes that become labels.
	PromoteAllResourceAttributes bool     `yaml:"promote_all_resource_attributes"`
	PromoteResourceAttributes    []string `yaml:"promote_resource_attributes"`
	IgnoreResourceAttributes     []string `yaml:"ignore_resource_attributes"`
	// PromoteScopeMetadata adds the instrumentation scope's attributes,
	// name, version and schema URL as otel_scope_* labels (prom mode).
	PromoteScopeMetadata bool `yaml:"promote_scope_metadata"`
}

// Log configures logging.
type Log struct {
	// Level is debug, info, warn or error.
	Level LogLevel `yaml:"level"`
	// Format is text or json.
	Format LogFormat `yaml:"format"`
}

// Default returns the configuration used for every field a file leaves out.
func Default() Config {
	yes := true
	return Config{
		GreptimeDB: GreptimeDB{
			// GreptimeDB's gRPC port.
			Endpoints: []string{"127.0.0.1:4001"},
			// GreptimeDB's default database.
			Database: "public",
			// Long enough for a large bulk batch on a busy server, short
			// enough that a stuck call is retried before senders time out.
			Timeout:        30 * time.Second,
			ConnectTimeout: 5 * time.Second,
			Compression:    CompressionNone,
			// LZ4 frame is what GreptimeDB's own ingesters use by default.
			BulkCompression: BulkCompressionLZ4,
			// The Rust ingester's default; a quarter of the 32-pending cap.
			BulkParallelism: 8,
		},
		Listen: Listen{
			// The OTLP ports, as OpenTelemetry senders expect.
			HTTP: ":4318",
			GRPC: ":4317",
			TLS: ListenTLS{
				// Ask for no client certificate unless configured: senders
				// authenticate with basic auth or tokens by default.
				ClientAuth: TLSClientAuthNone,
				// TLS 1.2 is the oldest version without known practical
				// attacks and the newest some senders (older Prometheus
				// builds, Java agents) reliably speak.
				MinVersion: TLSVersion12,
			},
		},
		Limits: Limits{
			Shape: defaultShape(),
			// Prometheus sends at most a few MiB per request; vmagent up to 8 MiB.
			MaxRequestBytes:      32 << 20,
			MaxDecompressedBytes: 256 << 20,
			// A quarter of a small pod's memory.
			MemoryBudgetBytes:   512 << 20,
			MaxInflightRequests: 256,
			RetryAfter:          5 * time.Second,
			BodyRead: BodyRead{
				// The header timeout's length: room for a sender's pause
				// between headers and body and for TCP's slow start.
				// Prometheus's 2,000-sample request (30 to 60 KiB with
				// snappy) arrives within it on any link above 6 KiB/s.
				Grace: 10 * time.Second,
				// 128 kbit/s, a tenth of a slow 1 Mbit/s link: vmagent's
				// largest block (8 MiB) may take 8.5 minutes at it. A sender
				// of 1 byte/s is cut after the grace.
				MinBytesPerSecond: 16 << 10,
			},
		},
		Pipeline: Pipeline{
			// Four workers keep two cores busy while writes wait on
			// GreptimeDB.
			Workers: 4,
			// No lingering: group commit coalesces the rows that arrive
			// while a write is in progress, so batches grow with load.
			FlushInterval: 0,
			MaxBatchRows:  50_000,
			MaxBatchBytes: 32 << 20,
			Mode:          PipelineModeAuto,
			// Below about a thousand rows per table, one multi-table row
			// insert costs fewer round trips than a stream per table.
			BulkThresholdRows: 1000,
			MaxOpenStreams:    256,
			StreamIdleTimeout: 5 * time.Minute,
			Retry: Retry{
				MaxAttempts:    5,
				InitialBackoff: 100 * time.Millisecond,
				MaxBackoff:     5 * time.Second,
			},
			ShutdownTimeout: 30 * time.Second,
		},
		Queue: defaultQueue(),
		DatabaseDefaults: Database{
			// GreptimeDB's prom_store.with_metric_engine default.
			MetricEngine:   &yes,
			PhysicalTable:  "greptime_physical_table",
			OTLPMetricMode: OTLPMetricModeProm,
			// Unlimited, as vmagent's -remoteWrite.maxHourlySeries and
			// maxDailySeries are: a useful number depends on the tenant.
			MaxHourlySeries: new(int),
			MaxDailySeries:  new(int),
		},
		Translate: Translate{
			LabelNames:              LabelNamesReject,
			LabelValueUTF8:          LabelValueUTF8Strict,
			NativeHistograms:        NativeHistogramsReject,
			ExponentialHistograms:   ExponentialHistogramsDrop,
			OTLPTranslationStrategy: UnderscoreEscapingWithSuffixes,
		},
		Log: Log{Level: LogLevelInfo, Format: LogFormatText},
	}
}

// ForDatabase returns the effective per-database choices for name.
func (c *Config) ForDatabase(name string) Database {
	d := c.DatabaseDefaults
	o, ok := c.Databases[name]
	if !ok {
		return d
	}
	if o.MetricEngine != nil {
		d.MetricEngine = o.MetricEngine
	}
	if o.PhysicalTable != "" {
		d.PhysicalTable = o.PhysicalTable
	}
	if o.OTLPMetricMode != "" {
		d.OTLPMetricMode = o.OTLPMetricMode
	}
	if o.MaxHourlySeries != nil {
		d.MaxHourlySeries = o.MaxHourlySeries
	}
	if o.MaxDailySeries != nil {
		d.MaxDailySeries = o.MaxDailySeries
	}
	return d
}

package prom

import "github.com/greptime-bridge/greptime-bridge/translate"

// Version is the remote-write protocol version of a request.
type Version int

// The remote-write versions: 1.0 (prometheus.WriteRequest) and 2.0
// (io.prometheus.write.v2.Request).
const (
	V1 Version = 1
	V2 Version = 2
)

// LabelNameMode says what happens to a label name outside
// [a-zA-Z_][a-zA-Z0-9_]*.
type LabelNameMode int

// Label-name modes. GreptimeDB v1 rejects the whole request
// (prom_remote_write/validation.rs validate_label_name); sanitising is the
// bridge's opt-in alternative.
const (
	// LabelNamesReject rejects the request with a permanent error, as
	// GreptimeDB v1.x does.
	LabelNamesReject LabelNameMode = iota
	// LabelNamesSanitize replaces every invalid byte with '_' and prefixes a
	// leading digit with '_'. An empty name is still rejected.
	LabelNamesSanitize
)

// UTF8Mode is GreptimeDB's prom_store.prom_validation_mode for label values
// (prom_remote_write/validation.rs PromValidationMode).
type UTF8Mode int

// The UTF-8 validation modes.
const (
	// UTF8Strict rejects a request carrying invalid UTF-8 (GreptimeDB's default).
	UTF8Strict UTF8Mode = iota
	// UTF8Lossy replaces invalid bytes with U+FFFD.
	UTF8Lossy
	// UTF8Unchecked stores the bytes as they are.
	UTF8Unchecked
)

// NativeHistogramMode says what to do with remote write 2.0 native
// histograms.
type NativeHistogramMode int

// Native-histogram modes.
const (
	// NativeHistogramsRefuse rejects a request carrying native histograms, as
	// GreptimeDB does unless its experimental STRUCT storage is enabled (which
	// the bridge's write paths cannot carry).
	NativeHistogramsRefuse NativeHistogramMode = iota
	// NativeHistogramsClassic converts each native histogram into classic
	// <name>_bucket (with le), <name>_sum and <name>_count rows.
	NativeHistogramsClassic
)

// Options are the per-request inputs of a translation: what the receiver
// read from the request (version, GreptimeDB's x-greptime-* headers
// and query parameters) and the per-database choices.
type Options struct {
	// Version is the remote-write version (from Content-Type).
	Version Version
	// Database is the request's database (x-greptime-db-name or ?db=);
	// "" is the writer's default. A series label x_greptime_database,
	// __database__ or __schema__ overrides it.
	Database string
	// PhysicalTable is the request's metric-engine physical table
	// (?physical_table=); "" falls back to DB.PhysicalTable, then
	// translate.DefaultPhysicalTable. A series label
	// x_greptime_physical_table or __physical_table__ overrides it.
	PhysicalTable string
	// DB holds the per-database choices (metric engine or mito tables).
	DB translate.DatabaseOptions
	// DBFor, when set, returns the choices for a database named by a series
	// label; nil uses DB for every database.
	DBFor func(database string) translate.DatabaseOptions
	// LabelNames selects rejecting (default, as GreptimeDB) or sanitising
	// invalid label names.
	LabelNames LabelNameMode
	// UTF8 is the label-value validation mode (default strict).
	UTF8 UTF8Mode
	// NativeHistograms selects refusing (default) or converting remote
	// write 2.0 native histograms.
	NativeHistograms NativeHistogramMode
	// Limits bound the series, labels per series and label lengths of a
	// request (the OTLP fields are ignored); the zero value refuses nothing.
	Limits translate.Limits
}

func (o *Options) dbOptions(database string) translate.DatabaseOptions {
	if o.DBFor != nil && database != o.Database {
		return o.DBFor(database)
	}
	return o.DB
}

// DefaultOptions returns GreptimeDB's defaults for a remote write 1.0
// request: metric engine on the default physical table, label names
// rejected when invalid, strict UTF-8, native histograms refused.
func DefaultOptions() Options {
	return Options{Version: V1, DB: translate.DefaultDatabaseOptions()}
}

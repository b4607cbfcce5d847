package otlp

import (
	"fmt"
	"strings"

	"github.com/greptime-bridge/greptime-bridge/translate"

	"github.com/greptime-bridge/greptime-bridge/writer/errs"
	"github.com/greptime-bridge/greptime-bridge/writer/table"
)

// The x-greptime-* request headers GreptimeDB honours on its OTLP endpoints
// (src/servers/src/http/header.rs, constants module; hints from
// src/session/src/hints.rs).
const (
	HeaderDBName                    = "x-greptime-db-name"
	HeaderHints                     = "x-greptime-hints"
	HeaderLogTableName              = "x-greptime-log-table-name"
	HeaderLogExtractKeys            = "x-greptime-log-extract-keys"
	HeaderTraceTableName            = "x-greptime-trace-table-name"
	HeaderPipelineName              = "x-greptime-pipeline-name"
	HeaderLogPipelineName           = "x-greptime-log-pipeline-name"
	HeaderPipelineVersion           = "x-greptime-pipeline-version"
	HeaderLogPipelineVersion        = "x-greptime-log-pipeline-version"
	HeaderPipelineParams            = "x-greptime-pipeline-params"
	HeaderPromoteAllResourceAttrs   = "x-greptime-otlp-metric-promote-all-resource-attrs"
	HeaderPromoteResourceAttrs      = "x-greptime-otlp-metric-promote-resource-attrs"
	HeaderIgnoreResourceAttrs       = "x-greptime-otlp-metric-ignore-resource-attrs"
	HeaderPromoteScopeAttrs         = "x-greptime-otlp-metric-promote-scope-attrs"
	HeaderMetricTranslationStrategy = "x-greptime-otlp-metric-translation-strategy"
)

// Default table names (src/servers/src/otlp/logs.rs LOG_TABLE_NAME and
// common/catalog consts TRACE_TABLE_NAME).
const (
	DefaultLogTable   = "opentelemetry_logs"
	DefaultTraceTable = "opentelemetry_traces"
)

// TraceV1Pipeline is the trace data model GreptimeDB selects with the
// x-greptime-pipeline-name header (pipeline/src/manager.rs).
const TraceV1Pipeline = "greptime_trace_v1"

// Strategy is an OTLP metric name-translation strategy
// (src/session/src/protocol_ctx.rs OtlpMetricTranslationStrategy).
type Strategy uint8

// The four strategies; the zero value is GreptimeDB's default.
const (
	UnderscoreEscapingWithSuffixes Strategy = iota
	UnderscoreEscapingWithoutSuffixes
	NoUTF8EscapingWithSuffixes
	NoTranslation
)

var strategyNames = [...]string{
	"UnderscoreEscapingWithSuffixes",
	"UnderscoreEscapingWithoutSuffixes",
	"NoUTF8EscapingWithSuffixes",
	"NoTranslation",
}

// String returns the header spelling of s.
func (s Strategy) String() string {
	if int(s) < len(strategyNames) {
		return strategyNames[s]
	}
	return fmt.Sprintf("Strategy(%d)", uint8(s))
}

func (s Strategy) escape() bool {
	return s == UnderscoreEscapingWithSuffixes || s == UnderscoreEscapingWithoutSuffixes
}

func (s Strategy) suffixes() bool {
	return s == UnderscoreEscapingWithSuffixes || s == NoUTF8EscapingWithSuffixes
}

// ParseStrategy parses a strategy name; like GreptimeDB it is case-sensitive
// (protocol_ctx.rs FromStr).
func ParseStrategy(v string) (Strategy, error) {
	for i, n := range strategyNames {
		if v == n {
			return Strategy(i), nil
		}
	}
	return 0, errs.NewPermanent(fmt.Errorf("%s header value %q is invalid; expected one of: %s",
		HeaderMetricTranslationStrategy, v, strings.Join(strategyNames[:], ", ")))
}

// RequestOptions carry every per-request option GreptimeDB takes from an
// x-greptime-* header on its OTLP endpoints, so receivers pass headers
// through unchanged. The zero value is GreptimeDB's behaviour without
// headers.
type RequestOptions struct {
	// Database is the target database ("" = the writer's default).
	Database string
	// Hints are the table-option hints of x-greptime-hints, applied to every
	// table this request creates (e.g. ttl).
	Hints table.Hints

	// PromoteAllResourceAttrs keeps every resource attribute as a tag except
	// those in ResourceAttrs (then a deny list).
	PromoteAllResourceAttrs bool
	// ResourceAttrs is the allow list added to the default promoted set, or
	// the deny list when PromoteAllResourceAttrs is set.
	ResourceAttrs []string
	// PromoteScopeAttrs adds scope attributes as otel_scope_* tags.
	PromoteScopeAttrs bool
	// Strategy is the metric and label name-translation strategy.
	Strategy Strategy
	// ConvertExponentialHistograms writes exponential histograms as classic
	// _bucket/_sum/_count tables instead of dropping them as GreptimeDB does.
	// It is a bridge option, not a GreptimeDB header.
	ConvertExponentialHistograms bool

	// LogTableName overrides DefaultLogTable.
	LogTableName string
	// LogExtractKeys are the raw keys of x-greptime-log-extract-keys.
	LogExtractKeys []string

	// TraceTableName overrides DefaultTraceTable.
	TraceTableName string
	// PipelineName is x-greptime-pipeline-name (or its log alias).
	PipelineName string
	// PipelineVersion and PipelineParams are carried for completeness; the
	// bridge runs no pipelines.
	PipelineVersion, PipelineParams string
	// Limits bound the attributes of each item (the remote-write fields are
	// ignored); the zero value refuses nothing. Not a header: the receiver
	// passes the configured limits.
	Limits translate.Limits
	// Schema, when set, reports what tables already hold in GreptimeDB, for
	// logs into an existing table and trace attribute coercion
	// (greptimedb-tables.md §7.3, §7.4). It is not a header: the receiver
	// passes the pipeline's knowledge.
	Schema translate.SchemaLookup
}

// truthy copies GreptimeDB's pipeline/src/lib.rs truthy().
func truthy(v string) bool {
	switch strings.ToLower(v) {
	case "true", "1", "yes", "on", "t":
		return true
	}
	return false
}

// OptionsFromHeaders builds RequestOptions from a header getter such as
// http.Header.Get or a gRPC metadata lookup. It fails, with a permanent
// error, only where GreptimeDB answers 400: an unknown translation strategy.
func OptionsFromHeaders(get func(key string) string) (RequestOptions, error) {
	var o RequestOptions
	o.Database = get(HeaderDBName)
	if h := get(HeaderHints); h != "" {
		o.Hints = ParseHints(h)
	} else {
		for _, k := range legacyHintKeys {
			if v := get("x-greptime-hint-" + k); v != "" {
				o.Hints.Set(k, strings.TrimSpace(v))
			}
		}
	}
	o.PromoteAllResourceAttrs = truthy(get(HeaderPromoteAllResourceAttrs))
	list := get(HeaderPromoteResourceAttrs)
	if o.PromoteAllResourceAttrs {
		list = get(HeaderIgnoreResourceAttrs)
	}
	if list != "" {
		// extractor.rs: split on ';' and trim each entry.
		for _, s := range strings.Split(list, ";") {
			o.ResourceAttrs = append(o.ResourceAttrs, strings.TrimSpace(s))
		}
	}
	o.PromoteScopeAttrs = truthy(get(HeaderPromoteScopeAttrs))
	if s := get(HeaderMetricTranslationStrategy); s != "" {
		st, err := ParseStrategy(s)
		if err != nil {
			return o, err
		}
		o.Strategy = st
	}
	o.LogTableName = get(HeaderLogTableName)
	if k := get(HeaderLogExtractKeys); k != "" {
		o.LogExtractKeys = strings.Split(k, ",")
	}
	o.TraceTableName = get(HeaderTraceTableName)
	// extractor.rs PipelineInfo: the log-prefixed alias is looked up first.
	o.PipelineName = firstNonEmpty(get(HeaderLogPipelineName), get(HeaderPipelineName))
	o.PipelineVersion = firstNonEmpty(get(HeaderLogPipelineVersion), get(HeaderPipelineVersion))
	o.PipelineParams = get(HeaderPipelineParams)
	return o, nil
}

func firstNonEmpty(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// legacyHintKeys are the per-key hint headers GreptimeDB reads when
// x-greptime-hints is absent (session/src/hints.rs HINT_KEYS).
var legacyHintKeys = [...]string{
	"auto_create_table", "ttl", "append_mode", "merge_mode",
	"physical_table", "skip_wal", "read_preference",
}

// ParseHints parses "k1=v1, k2=v2" as GreptimeDB reads x-greptime-hints
// (servers/src/hint_headers.rs extract_hints): pairs split on ',', then on
// the first '=', key and value trimmed; an entry without '=' is ignored.
func ParseHints(s string) table.Hints {
	var h table.Hints
	for _, part := range strings.Split(s, ",") {
		k, v, ok := strings.Cut(part, "=")
		if !ok {
			continue
		}
		h.Set(strings.TrimSpace(k), strings.TrimSpace(v))
	}
	return h
}

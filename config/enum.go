package config

import (
	"slices"
	"strings"
)

// The enumerated settings. Each is a string type listing its values, so a
// component switches on named constants instead of comparing strings, and
// one check (checkEnum) validates them all. Reading one never fails: a
// value is matched without regard to case and surrounding spaces and
// stored in its canonical spelling; anything else is kept as written for
// Validate to report with the other problems (a decoder error would stop
// at the first one).

// Compression is the gRPC transport compression to GreptimeDB.
type Compression string

// The transport compressions GreptimeDB's gRPC services accept.
const (
	CompressionNone Compression = "none"
	CompressionGzip Compression = "gzip"
	CompressionZstd Compression = "zstd"
)

// BulkCompression is the Arrow IPC body compression of bulk writes.
type BulkCompression string

// The Arrow IPC body compressions.
const (
	BulkCompressionNone BulkCompression = "none"
	BulkCompressionLZ4  BulkCompression = "lz4"
	BulkCompressionZstd BulkCompression = "zstd"
)

// PipelineMode chooses how tables are written.
type PipelineMode string

// The pipeline modes.
const (
	PipelineModeAuto PipelineMode = "auto"
	PipelineModeRows PipelineMode = "rows"
	PipelineModeBulk PipelineMode = "bulk"
)

// OTLPMetricMode is how OTLP metrics are laid out in tables.
type OTLPMetricMode string

// The OTLP metric layouts.
const (
	OTLPMetricModeProm   OTLPMetricMode = "prom"
	OTLPMetricModeLegacy OTLPMetricMode = "legacy"
)

// LabelNames is what happens to a label name GreptimeDB would refuse.
type LabelNames string

// The label-name rules.
const (
	LabelNamesReject   LabelNames = "reject"
	LabelNamesSanitize LabelNames = "sanitize"
)

// LabelValueUTF8 is how label values are checked for UTF-8.
type LabelValueUTF8 string

// The label-value checks.
const (
	LabelValueUTF8Strict    LabelValueUTF8 = "strict"
	LabelValueUTF8Lossy     LabelValueUTF8 = "lossy"
	LabelValueUTF8Unchecked LabelValueUTF8 = "unchecked"
)

// NativeHistograms is what happens to Prometheus native histograms.
type NativeHistograms string

// The native-histogram rules.
const (
	NativeHistogramsReject  NativeHistograms = "reject"
	NativeHistogramsClassic NativeHistograms = "classic"
)

// ExponentialHistograms is what happens to OTLP exponential histograms.
type ExponentialHistograms string

// The exponential-histogram rules.
const (
	ExponentialHistogramsDrop    ExponentialHistograms = "drop"
	ExponentialHistogramsClassic ExponentialHistograms = "classic"
)

// OTLPTranslationStrategy is GreptimeDB's OTLP metric-name translation
// strategy (Prometheus's otlp.translation_strategy names).
type OTLPTranslationStrategy string

// The translation strategies.
const (
	UnderscoreEscapingWithSuffixes    OTLPTranslationStrategy = "UnderscoreEscapingWithSuffixes"
	UnderscoreEscapingWithoutSuffixes OTLPTranslationStrategy = "UnderscoreEscapingWithoutSuffixes"
	NoUTF8EscapingWithSuffixes        OTLPTranslationStrategy = "NoUTF8EscapingWithSuffixes"
	NoTranslation                     OTLPTranslationStrategy = "NoTranslation"
)

// LogLevel is the least severe level logged.
type LogLevel string

// The log levels.
const (
	LogLevelDebug LogLevel = "debug"
	LogLevelInfo  LogLevel = "info"
	LogLevelWarn  LogLevel = "warn"
	LogLevelError LogLevel = "error"
)

// LogFormat is the log line format.
type LogFormat string

// The log formats.
const (
	LogFormatText LogFormat = "text"
	LogFormatJSON LogFormat = "json"
)

// Values lists the allowed values.
func (Compression) Values() []string { return strs(CompressionNone, CompressionGzip, CompressionZstd) }

// Values lists the allowed values.
func (BulkCompression) Values() []string {
	return strs(BulkCompressionNone, BulkCompressionLZ4, BulkCompressionZstd)
}

// Values lists the allowed values.
func (PipelineMode) Values() []string {
	return strs(PipelineModeAuto, PipelineModeRows, PipelineModeBulk)
}

// Values lists the allowed values.
func (OTLPMetricMode) Values() []string { return strs(OTLPMetricModeProm, OTLPMetricModeLegacy) }

// Values lists the allowed values.
func (LabelNames) Values() []string { return strs(LabelNamesReject, LabelNamesSanitize) }

// Values lists the allowed values.
func (LabelValueUTF8) Values() []string {
	return strs(LabelValueUTF8Strict, LabelValueUTF8Lossy, LabelValueUTF8Unchecked)
}

// Values lists the allowed values.
func (NativeHistograms) Values() []string {
	return strs(NativeHistogramsReject, NativeHistogramsClassic)
}

// Values lists the allowed values.
func (ExponentialHistograms) Values() []string {
	return strs(ExponentialHistogramsDrop, ExponentialHistogramsClassic)
}

// Values lists the allowed values.
func (OTLPTranslationStrategy) Values() []string {
	return strs(UnderscoreEscapingWithSuffixes, UnderscoreEscapingWithoutSuffixes, NoUTF8EscapingWithSuffixes, NoTranslation)
}

// Values lists the allowed values.
func (LogLevel) Values() []string {
	return strs(LogLevelDebug, LogLevelInfo, LogLevelWarn, LogLevelError)
}

// Values lists the allowed values.
func (LogFormat) Values() []string { return strs(LogFormatText, LogFormatJSON) }

// UnmarshalText reads a value; see the note at the top of this file.
func (e *Compression) UnmarshalText(b []byte) error { return setEnum(e, b) }

// UnmarshalText reads a value; see the note at the top of this file.
func (e *BulkCompression) UnmarshalText(b []byte) error { return setEnum(e, b) }

// UnmarshalText reads a value; see the note at the top of this file.
func (e *PipelineMode) UnmarshalText(b []byte) error { return setEnum(e, b) }

// UnmarshalText reads a value; see the note at the top of this file.
func (e *OTLPMetricMode) UnmarshalText(b []byte) error { return setEnum(e, b) }

// UnmarshalText reads a value; see the note at the top of this file.
func (e *LabelNames) UnmarshalText(b []byte) error { return setEnum(e, b) }

// UnmarshalText reads a value; see the note at the top of this file.
func (e *LabelValueUTF8) UnmarshalText(b []byte) error { return setEnum(e, b) }

// UnmarshalText reads a value; see the note at the top of this file.
func (e *NativeHistograms) UnmarshalText(b []byte) error { return setEnum(e, b) }

// UnmarshalText reads a value; see the note at the top of this file.
func (e *ExponentialHistograms) UnmarshalText(b []byte) error { return setEnum(e, b) }

// UnmarshalText reads a value; see the note at the top of this file.
func (e *OTLPTranslationStrategy) UnmarshalText(b []byte) error { return setEnum(e, b) }

// UnmarshalText reads a value; see the note at the top of this file.
func (e *LogLevel) UnmarshalText(b []byte) error { return setEnum(e, b) }

// UnmarshalText reads a value; see the note at the top of this file.
func (e *LogFormat) UnmarshalText(b []byte) error { return setEnum(e, b) }

// enum is a string type that lists its values.
type enum interface {
	~string
	Values() []string
}

func strs[E ~string](vs ...E) []string {
	out := make([]string, len(vs))
	for i, v := range vs {
		out[i] = string(v)
	}
	return out
}

// setEnum stores b in its canonical spelling when it matches a value, and
// as written otherwise.
func setEnum[E enum](e *E, b []byte) error {
	s := strings.TrimSpace(string(b))
	for _, v := range (*e).Values() {
		if strings.EqualFold(s, v) {
			*e = E(v)
			return nil
		}
	}
	*e = E(s)
	return nil
}

// valid reports whether e is one of its type's values.
func valid[E enum](e E) bool { return slices.Contains(e.Values(), string(e)) }

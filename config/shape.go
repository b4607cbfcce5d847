package config

import "fmt"

// Shape bounds the shape of one request: labels and series for remote
// write, attributes for OTLP. A request past any of them is refused whole
// with 400 / InvalidArgument naming the limit. 0 turns a limit off.
type Shape struct {
	// MaxLabelsPerSeries bounds the labels of one remote-write series,
	// __name__ and the routing labels included.
	MaxLabelsPerSeries int `yaml:"max_labels_per_series"`
	// MaxLabelNameLength bounds a remote-write label name, in bytes.
	MaxLabelNameLength int `yaml:"max_label_name_length"`
	// MaxLabelValueLength bounds a remote-write label value, the metric
	// name included, in bytes.
	MaxLabelValueLength int `yaml:"max_label_value_length"`
	// MaxSeriesPerRequest bounds the series of one remote-write request.
	MaxSeriesPerRequest int `yaml:"max_series_per_request"`
	// MaxAttributesPerItem bounds the attributes of one OTLP resource,
	// scope, data point, log record, span, span event or span link.
	MaxAttributesPerItem int `yaml:"max_attributes_per_item"`
	// MaxAttributeValueBytes bounds the bytes of the strings and byte
	// arrays in one OTLP attribute value, nested values included.
	MaxAttributeValueBytes int `yaml:"max_attribute_value_bytes"`
}

// defaultShape is generous enough for what real senders send and small
// enough that the hostile shapes of issue #11 (10,000 labels on a series,
// a 10 MB label value, 200,000 resource attributes) are refused.
func defaultShape() Shape {
	return Shape{
		// Prometheus' own label_limit is off by default; VictoriaMetrics
		// refuses past 40 labels (-maxLabelsPerTimeseries) and Mimir past
		// 30 (max_label_names_per_series), limits users raise for
		// kube-state-metrics' *_labels series. 256 is six times the
		// strictest of them.
		MaxLabelsPerSeries: 256,
		// Mimir's and Grafana Cloud's max_label_name_length.
		MaxLabelNameLength: 1024,
		// Mimir refuses values past 2 KiB and VictoriaMetrics truncates
		// past 4 KiB (-maxLabelValueLen); long URLs and SQL text do reach
		// those. A label value is a tag, part of GreptimeDB's primary key,
		// so 64 KiB (sixteen times VictoriaMetrics') is plenty.
		MaxLabelValueLength: 64 << 10,
		// Prometheus sends at most 2,000 samples per request
		// (max_samples_per_send), vmagent 10,000 rows per block; the load
		// tool's largest requests carry 250,000 series.
		MaxSeriesPerRequest: 500_000,
		// OpenTelemetry SDKs keep 128 attributes per span, event, link, log
		// record or point by default (OTEL_ATTRIBUTE_COUNT_LIMIT); resource
		// attributes from the Collector's k8sattributes processor stay in
		// the hundreds. 1024 is eight times the SDK limit.
		MaxAttributesPerItem: 1024,
		// SDKs leave attribute values unbounded by default, and a Java
		// exception.stacktrace can run to a few hundred KiB: 1 MiB.
		MaxAttributeValueBytes: 1 << 20,
	}
}

// validateShape reports negative shape limits.
func validateShape(s Shape, bad func(path, format string, args ...any)) {
	for _, f := range []struct {
		key string
		v   int
	}{
		{"max_labels_per_series", s.MaxLabelsPerSeries},
		{"max_label_name_length", s.MaxLabelNameLength},
		{"max_label_value_length", s.MaxLabelValueLength},
		{"max_series_per_request", s.MaxSeriesPerRequest},
		{"max_attributes_per_item", s.MaxAttributesPerItem},
		{"max_attribute_value_bytes", s.MaxAttributeValueBytes},
	} {
		if f.v < 0 {
			bad(fmt.Sprintf("limits.shape.%s", f.key), "must not be negative (0 turns the limit off)")
		}
	}
}

// validateSeriesLimits reports negative or (in database_defaults) missing
// cardinality limits of a database section.
func validateSeriesLimits(path string, d Database, isDefault bool, bad func(path, format string, args ...any)) {
	for _, f := range []struct {
		key string
		v   *int
	}{{"max_hourly_series", d.MaxHourlySeries}, {"max_daily_series", d.MaxDailySeries}} {
		switch {
		case f.v == nil && isDefault:
			bad(path+"."+f.key, "must be set (0 is unlimited)")
		case f.v != nil && *f.v < 0:
			bad(path+"."+f.key, "must not be negative (0 is unlimited)")
		}
	}
}

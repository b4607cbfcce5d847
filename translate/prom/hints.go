package prom

import "github.com/greptime-bridge/greptime-bridge/writer/table"

// Table options GreptimeDB sets on the tables its remote-write endpoint
// creates. The semantic keys come from table/src/requests/semantic.rs and
// are stamped for every table in servers/src/http/prom_store.rs
// prepare_remote_write_context; remote write 2.0 metadata upgrades them per
// table (prom_remote_write/v2.rs record_series_metadata). The physical_table
// hint is what makes GreptimeDB's gRPC insert path create metric-engine
// logical tables (frontend/src/instance/grpc.rs).
const (
	HintPhysicalTable   = "physical_table"
	HintSignalType      = "greptime.semantic.signal_type"
	HintSource          = "greptime.semantic.source"
	HintSourceVersion   = "greptime.semantic.source_version"
	HintMetadataQuality = "greptime.semantic.metric.metadata_quality"
	HintMetricType      = "greptime.semantic.metric.type"
	HintMetricUnit      = "greptime.semantic.metric.unit"
)

// Values of the semantic options (table/src/requests/semantic.rs).
const (
	signalMetric     = "metric"
	sourcePrometheus = "prometheus"
	qualityInferred  = "inferred"
	qualityDeclared  = "declared"
	valueMixed       = "mixed"
)

func setHints(t *tableState, v Version) {
	h := &t.batch.Hints
	quality := qualityInferred
	if t.declared {
		quality = qualityDeclared
	}
	if len(*h) == 0 {
		// A fresh batch: append in key order directly (table.Hints stays
		// sorted), skipping Set's search and shifting per key.
		*h = append(*h, table.Hint{Key: HintMetadataQuality, Value: quality})
		if t.mtype != "" {
			*h = append(*h, table.Hint{Key: HintMetricType, Value: t.mtype})
		}
		if t.unit != "" {
			*h = append(*h, table.Hint{Key: HintMetricUnit, Value: t.unit})
		}
		*h = append(*h,
			table.Hint{Key: HintSignalType, Value: signalMetric},
			table.Hint{Key: HintSource, Value: sourcePrometheus},
			table.Hint{Key: HintSourceVersion, Value: v.String()})
		if t.phys != "" {
			*h = append(*h, table.Hint{Key: HintPhysicalTable, Value: t.phys})
		}
		return
	}
	if t.phys != "" {
		h.Set(HintPhysicalTable, t.phys)
	}
	h.Set(HintSignalType, signalMetric)
	h.Set(HintSource, sourcePrometheus)
	h.Set(HintSourceVersion, v.String())
	h.Set(HintMetadataQuality, quality)
	if t.mtype != "" {
		h.Set(HintMetricType, t.mtype)
	}
	if t.unit != "" {
		h.Set(HintMetricUnit, t.unit)
	}
}

// record keeps a metadata value for a table; a conflicting value collapses
// to "mixed" for good (servers/src/semantic.rs SemanticIndex::record_scalar;
// every key used here accepts "mixed").
func record(slot *string, value string) {
	switch *slot {
	case "":
		*slot = value
	case value, valueMixed:
	default:
		*slot = valueMixed
	}
}

// metricTypes maps the RW2 Metadata.MetricType enum to the option value
// (v2.rs metric_type_value); 0 (UNSPECIFIED) declares nothing.
var metricTypes = [...]string{"", "counter", "gauge", "histogram", "gauge_histogram", "summary", "info", "stateset"}

// ucumUnit converts an OpenMetrics base unit to UCUM; any other unit is
// dropped (servers/src/semantic.rs openmetrics_unit_to_ucum).
func ucumUnit(unit []byte) string {
	switch string(unit) {
	case "seconds":
		return "s"
	case "celsius":
		return "Cel"
	case "meters":
		return "m"
	case "bytes":
		return "By"
	case "ratios":
		return "1"
	case "volts":
		return "V"
	case "amperes":
		return "A"
	case "joules":
		return "J"
	case "grams":
		return "g"
	}
	return ""
}

package otlp

import "testing"

// TestMetricNameWorkedExamples covers greptimedb-tables.md §2.2 "Examples"
// (rules from metrics/translator.rs normalize_metric_name_with_suffixes).
func TestMetricNameWorkedExamples(t *testing.T) {
	cases := []struct {
		name, unit string
		kind       metricKind
		want       string
	}{
		// §2.2: unknown unit kept verbatim, monotonic sum gets _total.
		{"claude_code.cost.usage", "USD", kindMonotonicSum, "claude_code_cost_usage_USD_total"},
		// §2.2: By maps to bytes.
		{"disk.io", "By", kindMonotonicSum, "disk_io_bytes_total"},
		// §2.2: ms maps to milliseconds (the docs' _seconds is wrong).
		{"duration.latency", "ms", kindGauge, "duration_latency_milliseconds"},
		{"rpc.server.duration", "ms", kindHistogram, "rpc_server_duration_milliseconds"},
		// §2.2: "1/s": the 1 maps to nothing, the per-unit to per_second.
		{"request.rate", "1/s", kindMonotonicSum, "request_rate_per_second_total"},
		// §2.2: units in braces are ignored.
		{"queue.depth", "{items}", kindGauge, "queue_depth"},
		// translator.rs: gauge with unit 1 gets _ratio; an existing token is moved.
		{"cpu.utilization", "1", kindGauge, "cpu_utilization_ratio"},
		{"ratio.cpu", "1", kindGauge, "cpu_ratio"},
		// an existing total token is removed before _total is appended.
		{"http.total.requests", "", kindMonotonicSum, "http_requests_total"},
		// non-monotonic sums and histograms get no type suffix.
		{"queue.size", "By", kindNonMonotonicSum, "queue_size_bytes"},
		// a unit token already in the name is not repeated.
		{"memory.bytes", "By", kindGauge, "memory_bytes"},
		// a leading digit gets an underscore.
		{"2xx.count", "", kindGauge, "_2xx_count"},
		// non-ASCII characters split tokens.
		{"température.cpu", "Cel", kindGauge, "temp_rature_cpu_celsius"},
		// translator.rs test: http.server.duration_total, s, monotonic.
		{"http.server.duration_total", "s", kindMonotonicSum, "http_server_duration_seconds_total"},
	}
	for _, tc := range cases {
		if got := metricName(tc.name, tc.unit, tc.kind, UnderscoreEscapingWithSuffixes); got != tc.want {
			t.Errorf("metricName(%q, %q) = %q, want %q", tc.name, tc.unit, got, tc.want)
		}
	}
}

// TestMetricNameStrategies follows translator.rs
// test_translate_metric_name_strategies and §2.2's strategy table.
func TestMetricNameStrategies(t *testing.T) {
	const name, unit = "http.server.duration_total", "s"
	want := map[Strategy]string{
		UnderscoreEscapingWithSuffixes:    "http_server_duration_seconds_total",
		UnderscoreEscapingWithoutSuffixes: "http_server_duration_total",
		NoUTF8EscapingWithSuffixes:        "http.server.duration_seconds_total",
		NoTranslation:                     "http.server.duration_total",
	}
	for st, w := range want {
		if got := metricName(name, unit, kindMonotonicSum, st); got != w {
			t.Errorf("%s: got %q, want %q", st, got, w)
		}
	}
	// translator.rs test_translate_metric_name_no_utf8_suffix_ordering.
	if got := metricName("request.rate_per_second_total", "1/s", kindMonotonicSum, NoUTF8EscapingWithSuffixes); got != "request.rate_per_second_total" {
		t.Errorf("utf8 per ordering: got %q", got)
	}
	if got := metricName("cpu.utilization_ratio", "1", kindGauge, NoUTF8EscapingWithSuffixes); got != "cpu.utilization_ratio" {
		t.Errorf("utf8 ratio: got %q", got)
	}
}

// TestLabelName covers §2.2's label rule: non-alphanumerics become '_', a
// leading digit gets key_, a single leading '_' gets key (_x → key_x), __x
// is kept (translator.rs normalize_label_name).
func TestLabelName(t *testing.T) {
	cases := map[string]string{
		"_x":           "key_x",
		"__x":          "__x",
		"service.name": "service_name",
		"1abc":         "key_1abc",
		"a-b/c":        "a_b_c",
		"héllo":        "h_llo",
		"":             "",
		"ok_name":      "ok_name",
	}
	for in, want := range cases {
		if got := labelName(in, UnderscoreEscapingWithSuffixes); got != want {
			t.Errorf("labelName(%q) = %q, want %q", in, got, want)
		}
		if got := labelName(in, NoTranslation); got != in {
			t.Errorf("NoTranslation changed %q to %q", in, got)
		}
	}
}

// TestLegacyName follows translator.rs test_legacy_normalize_otlp_name (§2.3).
func TestLegacyName(t *testing.T) {
	for in, want := range map[string]string{
		"jvm.memory.free": "jvm_memory_free", "jvm-memory-free": "jvm_memory_free",
		"JVM_MEMORY_FREE": "jvm_memory_free", "JVM_memory_FREE": "jvm_memory_free",
	} {
		if got := legacyName(in); got != want {
			t.Errorf("legacyName(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestRustFloat covers §2.2 "Formatting of le and quantile": Rust f64
// Display, inf spelled "inf".
func TestRustFloat(t *testing.T) {
	cases := map[float64]string{
		0.005: "0.005", 1: "1", 10: "10", 0.1: "0.1", 2.5: "2.5",
		1e21: "1000000000000000000000", 1e-7: "0.0000001", -3: "-3",
	}
	for in, want := range cases {
		if got := rustFloat(in); got != want {
			t.Errorf("rustFloat(%v) = %q, want %q", in, got, want)
		}
	}
	for in, want := range map[string]string{"inf": rustFloat(posInf()), "-inf": rustFloat(-posInf()), "NaN": rustFloat(nan())} {
		if in != want {
			t.Errorf("special: got %q want %q", want, in)
		}
	}
}

// TestJSONFloat checks serde_json (ryu) float text, used for JSON columns.
func TestJSONFloat(t *testing.T) {
	cases := map[float64]string{
		1: "1.0", 0.1: "0.1", 1.5: "1.5", 1e16: "1e16", 1.5e-7: "1.5e-7",
		123456789012345.0: "123456789012345.0", 0.0001: "0.0001", -2.25: "-2.25",
		1e15: "1000000000000000.0", 0.00001: "0.00001", 0.000001: "1e-6", 1.2345678901234568e17: "1.2345678901234568e17",
	}
	for in, want := range cases {
		if got := string(appendJSONFloat(nil, in)); got != want {
			t.Errorf("appendJSONFloat(%v) = %q, want %q", in, got, want)
		}
	}
	if got := string(appendJSONFloat(nil, nan())); got != "null" {
		t.Errorf("NaN: %q", got)
	}
}

// TestLegacyQuantileColumn checks format!("greptime_p{:02}", q*100).
func TestLegacyQuantileColumn(t *testing.T) {
	for q, want := range map[float64]string{0.9: "greptime_p90", 0.5: "greptime_p50", 0.99: "greptime_p99", 0.05: "greptime_p05", 0: "greptime_p00", 1: "greptime_p100", 0.999: "greptime_p99.9"} {
		if got := legacyQuantileColumn(q); got != want {
			t.Errorf("q=%v: got %q want %q", q, got, want)
		}
	}
}

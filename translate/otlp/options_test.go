package otlp

import (
	"net/http"
	"strings"
	"testing"

	"github.com/greptime-bridge/greptime-bridge/writer/errs"
)

// TestOptionsFromHeaders checks every header name against GreptimeDB's
// src/servers/src/http/header.rs and the parsing in http/extractor.rs.
func TestOptionsFromHeaders(t *testing.T) {
	h := http.Header{}
	h.Set("X-Greptime-DB-Name", "obs")
	h.Set("X-Greptime-Hints", "ttl=7d, append_mode = true")
	h.Set("X-Greptime-OTLP-Metric-Promote-Resource-Attrs", "host.name; os.type")
	h.Set("X-Greptime-OTLP-Metric-Ignore-Resource-Attrs", "ignored.when.not.promote.all")
	h.Set("X-Greptime-OTLP-Metric-Promote-Scope-Attrs", "Yes")
	h.Set("X-Greptime-OTLP-Metric-Translation-Strategy", "NoUTF8EscapingWithSuffixes")
	h.Set("X-Greptime-Log-Table-Name", "app_logs")
	h.Set("X-Greptime-Log-Extract-Keys", "b, a,a")
	h.Set("X-Greptime-Trace-Table-Name", "spans")
	h.Set("X-Greptime-Pipeline-Name", "greptime_trace_v1")
	h.Set("X-Greptime-Pipeline-Params", "flatten=true")
	o, err := OptionsFromHeaders(h.Get)
	if err != nil {
		t.Fatal(err)
	}
	if o.Database != "obs" || o.LogTableName != "app_logs" || o.TraceTableName != "spans" || o.PipelineName != "greptime_trace_v1" || o.PipelineParams != "flatten=true" {
		t.Errorf("strings: %+v", o)
	}
	if v, _ := o.Hints.Get("ttl"); v != "7d" {
		t.Errorf("ttl hint %q", v)
	}
	if v, _ := o.Hints.Get("append_mode"); v != "true" {
		t.Errorf("append_mode hint %q", v)
	}
	if strings.Join(o.ResourceAttrs, "|") != "host.name|os.type" || o.PromoteAllResourceAttrs {
		t.Errorf("promote list %q", o.ResourceAttrs)
	}
	if !o.PromoteScopeAttrs || o.Strategy != NoUTF8EscapingWithSuffixes {
		t.Errorf("scope %v strategy %v", o.PromoteScopeAttrs, o.Strategy)
	}
	// Keys are not trimmed (SelectInfo::from); sorting happens in Logs.
	if strings.Join(o.LogExtractKeys, "|") != "b| a|a" {
		t.Errorf("extract keys %q", o.LogExtractKeys)
	}

	// With promote-all the ignore list is read instead.
	h.Set("X-Greptime-OTLP-Metric-Promote-All-Resource-Attrs", "true")
	o, _ = OptionsFromHeaders(h.Get)
	if !o.PromoteAllResourceAttrs || strings.Join(o.ResourceAttrs, "|") != "ignored.when.not.promote.all" {
		t.Errorf("promote-all: %+v", o)
	}

	// The log pipeline alias wins (extractor.rs PipelineInfo).
	h.Set("X-Greptime-Log-Pipeline-Name", "my_pipeline")
	if o, _ = OptionsFromHeaders(h.Get); o.PipelineName != "my_pipeline" {
		t.Errorf("pipeline alias %q", o.PipelineName)
	}
}

// TestOptionsErrors: an unknown strategy (case-sensitive) is a 400 in
// GreptimeDB, so a permanent error naming the header here.
func TestOptionsErrors(t *testing.T) {
	get := func(k, v string) func(string) string {
		return func(key string) string {
			if key == k {
				return v
			}
			return ""
		}
	}
	_, err := OptionsFromHeaders(get(HeaderMetricTranslationStrategy, "no_translation"))
	if err == nil || !errs.IsPermanent(err) || !strings.Contains(err.Error(), HeaderMetricTranslationStrategy) {
		t.Errorf("strategy: %v", err)
	}
	// hint_headers.rs ignores an entry without '='.
	if o, err := OptionsFromHeaders(get(HeaderHints, "novalue, ttl=1d")); err != nil || len(o.Hints) != 1 {
		t.Errorf("hints: %+v %v", o.Hints, err)
	}
	// Without x-greptime-hints the legacy per-key headers apply.
	if o, _ := OptionsFromHeaders(get("x-greptime-hint-ttl", " 3d ")); len(o.Hints) != 1 || o.Hints[0].Value != "3d" {
		t.Errorf("legacy hint: %+v", o.Hints)
	}
	for _, s := range strategyNames {
		if st, err := ParseStrategy(s); err != nil || st.String() != s {
			t.Errorf("round trip %s: %v %v", s, st, err)
		}
	}
}

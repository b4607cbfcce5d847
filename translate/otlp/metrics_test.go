package otlp

import (
	"context"
	"errors"
	"math"
	"strings"
	"testing"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/pmetric"

	"github.com/greptime-bridge/greptime-bridge/translate"
	"github.com/greptime-bridge/greptime-bridge/writer/errs"
	"github.com/greptime-bridge/greptime-bridge/writer/table"
)

func convertMetrics(t *testing.T, md pmetric.Metrics, db translate.DatabaseOptions, opts *RequestOptions) *translate.Output {
	t.Helper()
	out := &translate.Output{}
	if err := NewConverter().Metrics(context.Background(), md, db, opts, out); err != nil {
		t.Fatalf("Metrics: %v", err)
	}
	for _, b := range out.Batches {
		if err := b.Validate(); err != nil {
			t.Fatalf("invalid batch: %v", err)
		}
	}
	return out
}

func mustBatch(t *testing.T, out *translate.Output, name string) *table.Batch {
	t.Helper()
	for _, b := range out.Batches {
		if b.Table == name {
			return b
		}
	}
	var names []string
	for _, b := range out.Batches {
		names = append(names, b.Table)
	}
	t.Fatalf("no table %q; have %v", name, names)
	return nil
}

func columnNames(b *table.Batch) []string {
	var n []string
	for _, c := range b.Columns() {
		n = append(n, c.Name)
	}
	return n
}

func str(t *testing.T, b *table.Batch, col string, row int) string {
	t.Helper()
	c := b.Column(col)
	if c == nil {
		t.Fatalf("table %q has no column %q (have %v)", b.Table, col, columnNames(b))
	}
	s, ok := c.String(row)
	if !ok {
		t.Fatalf("table %q column %q row %d is NULL", b.Table, col, row)
	}
	return s
}

// claudeMetrics builds the input behind the integration test in
// greptimedb-tables.md §2.2 "Example DDL".
func claudeMetrics() pmetric.Metrics {
	md := pmetric.NewMetrics()
	rm := md.ResourceMetrics().AppendEmpty()
	ra := rm.Resource().Attributes()
	ra.PutStr("service.name", "claude-code")
	ra.PutStr("service.version", "1.0.0")
	ra.PutStr("os.type", "linux")   // not promoted by default
	ra.PutStr("host.arch", "amd64") // not promoted by default
	sm := rm.ScopeMetrics().AppendEmpty()
	sm.Scope().SetName("com.anthropic.claude_code")
	m := sm.Metrics().AppendEmpty()
	m.SetName("claude_code.cost.usage")
	m.SetUnit("USD")
	s := m.SetEmptySum()
	s.SetIsMonotonic(true)
	s.SetAggregationTemporality(pmetric.AggregationTemporalityDelta)
	dp := s.DataPoints().AppendEmpty()
	dp.SetTimestamp(pcommon.Timestamp(1_700_000_000_123_456_789))
	dp.SetDoubleValue(0.25)
	for _, kv := range [][2]string{{"user_id", "u1"}, {"session_id", "s1"}, {"terminal_type", "vscode"}, {"model", "claude"}} {
		dp.Attributes().PutStr(kv[0], kv[1])
	}
	return md
}

// TestClaudeCodeExample checks §2.2's example DDL: the table name, the tags
// (job copied from service.name, non-default resource attributes dropped),
// millisecond truncation and the table options.
func TestClaudeCodeExample(t *testing.T) {
	out := convertMetrics(t, claudeMetrics(), translate.DefaultDatabaseOptions(), nil)
	if len(out.Batches) != 1 {
		t.Fatalf("want 1 table, got %d", len(out.Batches))
	}
	b := mustBatch(t, out, "claude_code_cost_usage_USD_total")
	got := map[string]table.SemanticType{}
	for _, c := range b.Columns() {
		got[c.Name] = c.Semantic
		if c.Semantic == table.Tag && c.Type != table.String {
			t.Errorf("tag %q is %s", c.Name, c.Type)
		}
	}
	for _, tag := range []string{"job", "model", "service_name", "service_version", "session_id", "terminal_type", "user_id"} {
		if got[tag] != table.Tag {
			t.Errorf("missing tag %q in %v", tag, columnNames(b))
		}
	}
	if len(got) != 9 {
		t.Errorf("want 7 tags + timestamp + value, got %v", columnNames(b))
	}
	if c := b.Column("greptime_timestamp"); c.Type != table.TimestampMillisecond || c.Semantic != table.Timestamp {
		t.Errorf("timestamp column %s %s", c.Type, c.Semantic)
	}
	if ts, _ := b.Column("greptime_timestamp").Int64(0); ts != 1_700_000_000_123 {
		t.Errorf("timestamp %d, want ms truncation 1700000000123", ts)
	}
	if v, _ := b.Column("greptime_value").Float64(0); v != 0.25 {
		t.Errorf("value %v", v)
	}
	if s := str(t, b, "job", 0); s != "claude-code" {
		t.Errorf("job = %q", s)
	}
	want := map[string]string{
		"otlp_metric_compat":                        "prom",
		"physical_table":                            "greptime_physical_table",
		"greptime.semantic.metric.type":             "counter",
		"greptime.semantic.metric.temporality":      "delta",
		"greptime.semantic.metric.unit":             "USD",
		"greptime.semantic.metric.original_name":    "claude_code.cost.usage",
		"greptime.semantic.metric.metadata_quality": "declared",
		"greptime.semantic.source":                  "opentelemetry",
		"greptime.semantic.signal_type":             "metric",
	}
	for k, v := range want {
		if g, ok := b.Hints.Get(k); !ok || g != v {
			t.Errorf("hint %s = %q, want %q", k, g, v)
		}
	}
	if out.Samples != 1 {
		t.Errorf("samples %d", out.Samples)
	}
}

// TestMitoTagsFirst follows §7.10: on mito the tags come first, then
// greptime_timestamp, then greptime_value; no physical_table hint.
func TestMitoTagsFirst(t *testing.T) {
	db := translate.DefaultDatabaseOptions()
	db.MetricEngine = false
	b := mustBatch(t, convertMetrics(t, claudeMetrics(), db, nil), "claude_code_cost_usage_USD_total")
	names := columnNames(b)
	if names[len(names)-2] != "greptime_timestamp" || names[len(names)-1] != "greptime_value" {
		t.Errorf("column order %v", names)
	}
	if _, ok := b.Hints.Get("physical_table"); ok {
		t.Error("mito table got a physical_table hint")
	}
	// Even a request hint does not move a mito table onto the metric engine.
	b = mustBatch(t, convertMetrics(t, claudeMetrics(), db, &RequestOptions{Hints: ParseHints("physical_table=p, ttl=1d")}), "claude_code_cost_usage_USD_total")
	if _, ok := b.Hints.Get("physical_table"); ok {
		t.Error("request physical_table hint kept on a mito table")
	}
	if v, _ := b.Hints.Get("ttl"); v != "1d" {
		t.Errorf("ttl hint %q", v)
	}
	// With the metric engine the request's physical table wins (§1.3).
	b = mustBatch(t, convertMetrics(t, claudeMetrics(), translate.DefaultDatabaseOptions(), &RequestOptions{Hints: ParseHints("physical_table=p")}), "claude_code_cost_usage_USD_total")
	if v, _ := b.Hints.Get("physical_table"); v != "p" {
		t.Errorf("physical_table hint %q", v)
	}
	if v, _ := b.Hints.Get("otlp_metric_compat"); v != "prom" {
		t.Error("mito prom table lacks otlp_metric_compat")
	}
}

func gaugeWith(attrs func(pcommon.Map), res func(pcommon.Map)) pmetric.Metrics {
	md := pmetric.NewMetrics()
	rm := md.ResourceMetrics().AppendEmpty()
	if res != nil {
		res(rm.Resource().Attributes())
	}
	sm := rm.ScopeMetrics().AppendEmpty()
	sm.Scope().SetName("scope")
	sm.Scope().SetVersion("v1")
	sm.Scope().Attributes().PutStr("scope.attr", "sv")
	sm.SetSchemaUrl("https://example.com/s")
	m := sm.Metrics().AppendEmpty()
	m.SetName("queue.depth")
	m.SetUnit("{items}")
	dp := m.SetEmptyGauge().DataPoints().AppendEmpty()
	dp.SetTimestamp(1_000_000_999)
	dp.SetIntValue(7)
	dp.Exemplars().AppendEmpty().SetDoubleValue(1)
	if attrs != nil {
		attrs(dp.Attributes())
	}
	return md
}

// TestAttributeFormatting covers §2.2 "Attributes → TAG String columns":
// ints as decimal text, doubles in Rust Display, bool/bytes/array/map
// dropped, label escaping (_x → key_x), a later value winning a name clash.
func TestAttributeFormatting(t *testing.T) {
	md := gaugeWith(func(a pcommon.Map) {
		a.PutInt("code", 200)
		a.PutDouble("ratio", 0.5)
		a.PutDouble("whole", 3)
		a.PutBool("ok", true)
		a.PutEmptyBytes("raw").FromRaw([]byte{1})
		a.PutEmptySlice("list").AppendEmpty().SetStr("x")
		a.PutEmptyMap("map")
		a.PutStr("_x", "escaped")
		a.PutStr("service.name", "from-point") // clashes with the resource tag
	}, func(r pcommon.Map) {
		r.PutStr("service.name", "svc")
		r.PutStr("service.instance.id", "i-1")
	})
	out := convertMetrics(t, md, translate.DefaultDatabaseOptions(), nil)
	b := mustBatch(t, out, "queue_depth")
	checks := map[string]string{
		"code": "200", "ratio": "0.5", "whole": "3", "key_x": "escaped",
		"service_name": "from-point", "job": "svc", "instance": "i-1", "service_instance_id": "i-1",
	}
	for col, want := range checks {
		if got := str(t, b, col, 0); got != want {
			t.Errorf("%s = %q, want %q", col, got, want)
		}
	}
	if out.Exemplars != 1 || out.Dropped["exemplar"] != 1 {
		t.Errorf("exemplars %d, dropped %v", out.Exemplars, out.Dropped)
	}
	if n := out.Dropped["metric_attribute_type"]; n != 4 {
		t.Errorf("dropped attribute values counted %d, want 4", n)
	}
	for _, dropped := range []string{"ok", "raw", "list", "map", "otel_scope_name"} {
		if b.Column(dropped) != nil {
			t.Errorf("column %q should not exist", dropped)
		}
	}
	// Resource tags keep their first position even though the point wins.
	if names := columnNames(b); names[0] != "service_name" {
		t.Errorf("column order %v", names)
	}
	if ts, _ := b.Column("greptime_timestamp").Int64(0); ts != 1000 {
		t.Errorf("ms truncation: %d", ts)
	}
	if v, _ := b.Column("greptime_value").Float64(0); v != 7 {
		t.Errorf("as_int cast: %v", v)
	}
}

// TestResourcePromotion covers the promote-all / promote-list / ignore-list
// headers (§2.2 "Other headers", metrics.rs process_resource_attrs).
func TestResourcePromotion(t *testing.T) {
	res := func(r pcommon.Map) {
		r.PutStr("service.name", "svc")
		r.PutStr("host.name", "h1")
		r.PutStr("os.type", "linux")
	}
	has := func(o *RequestOptions, col string) bool {
		b := mustBatch(t, convertMetrics(t, gaugeWith(nil, res), translate.DefaultDatabaseOptions(), o), "queue_depth")
		return b.Column(col) != nil
	}
	if has(nil, "host_name") {
		t.Error("host.name promoted by default")
	}
	if !has(&RequestOptions{ResourceAttrs: []string{"host.name"}}, "host_name") {
		t.Error("promote list ignored")
	}
	all := &RequestOptions{PromoteAllResourceAttrs: true, ResourceAttrs: []string{"os.type"}}
	if !has(all, "host_name") || has(all, "os_type") || !has(all, "service_name") {
		t.Error("promote-all with ignore list wrong")
	}
}

// TestScopePromotion covers otel_scope_* tags (§2.2 "Scope attributes") and
// §7.11: NoTranslation keeps raw names, and job is still copied.
func TestScopePromotion(t *testing.T) {
	res := func(r pcommon.Map) { r.PutStr("service.name", "svc") }
	b := mustBatch(t, convertMetrics(t, gaugeWith(nil, res), translate.DefaultDatabaseOptions(), &RequestOptions{PromoteScopeAttrs: true}), "queue_depth")
	for col, want := range map[string]string{"otel_scope_scope_attr": "sv", "otel_scope_name": "scope", "otel_scope_version": "v1", "otel_scope_schema_url": "https://example.com/s"} {
		if got := str(t, b, col, 0); got != want {
			t.Errorf("%s = %q want %q", col, got, want)
		}
	}
	b = mustBatch(t, convertMetrics(t, gaugeWith(nil, res), translate.DefaultDatabaseOptions(), &RequestOptions{PromoteScopeAttrs: true, Strategy: NoTranslation}), "queue.depth")
	if str(t, b, "otel_scope_scope.attr", 0) != "sv" || str(t, b, "job", 0) != "svc" || str(t, b, "service.name", 0) != "svc" {
		t.Errorf("NoTranslation columns %v", columnNames(b))
	}
}

// TestMetricEdgeCases: NaN values keep their bits, a point without value is
// NULL, a reserved column name clash is a permanent error naming the table,
// non-UTF-8 is refused, huge attribute sets work.
func TestMetricEdgeCases(t *testing.T) {
	md := gaugeWith(nil, nil)
	dps := md.ResourceMetrics().At(0).ScopeMetrics().At(0).Metrics().At(0).Gauge().DataPoints()
	stale := math.Float64frombits(0x7ff0000000000002)
	dps.At(0).SetDoubleValue(stale)
	dps.AppendEmpty().SetTimestamp(5) // no value
	b := mustBatch(t, convertMetrics(t, md, translate.DefaultDatabaseOptions(), nil), "queue_depth")
	if bits, _ := b.Column("greptime_value").Float64Bits(0); bits != 0x7ff0000000000002 {
		t.Errorf("NaN bits %x", bits)
	}
	if !b.Column("greptime_value").IsNull(1) {
		t.Error("point without value not NULL")
	}

	bad := gaugeWith(func(a pcommon.Map) { a.PutStr("greptime_value", "x") }, nil)
	err := NewConverter().Metrics(context.Background(), bad, translate.DefaultDatabaseOptions(), nil, &translate.Output{})
	if err == nil || !errs.IsPermanent(err) || !strings.Contains(err.Error(), "queue_depth") {
		t.Errorf("clash error = %v", err)
	}

	inv := gaugeWith(func(a pcommon.Map) { a.PutStr("k", "\xff\xfe") }, nil)
	err = NewConverter().Metrics(context.Background(), inv, translate.DefaultDatabaseOptions(), nil, &translate.Output{})
	if err == nil || !errs.IsPermanent(err) || !strings.Contains(err.Error(), "utf-8") {
		t.Errorf("non-utf8 error = %v", err)
	}

	huge := gaugeWith(func(a pcommon.Map) {
		for i := 0; i < 500; i++ {
			a.PutInt("k"+itoa(i), int64(i))
		}
		a.PutInt("k7", 700) // a clash inside a huge set: the later wins
	}, nil)
	b = mustBatch(t, convertMetrics(t, huge, translate.DefaultDatabaseOptions(), nil), "queue_depth")
	if b.NumColumns() != 502 || str(t, b, "k7", 0) != "700" {
		t.Errorf("huge set: %d columns, k7=%q", b.NumColumns(), str(t, b, "k7", 0))
	}
}

// TestMixedAttributeTypes: the same key as string in one point and int in
// another stays one STRING tag column.
func TestMixedAttributeTypes(t *testing.T) {
	md := gaugeWith(func(a pcommon.Map) { a.PutStr("v", "a") }, nil)
	dps := md.ResourceMetrics().At(0).ScopeMetrics().At(0).Metrics().At(0).Gauge().DataPoints()
	dp := dps.AppendEmpty()
	dp.SetIntValue(1)
	dp.Attributes().PutInt("v", 5)
	dp = dps.AppendEmpty()
	dp.SetIntValue(1)
	dp.Attributes().PutDouble("v", 1.5)
	b := mustBatch(t, convertMetrics(t, md, translate.DefaultDatabaseOptions(), nil), "queue_depth")
	for i, want := range []string{"a", "5", "1.5"} {
		if got := str(t, b, "v", i); got != want {
			t.Errorf("row %d: %q want %q", i, got, want)
		}
	}
}

// TestMetricsContextCancelled: translation stops on a cancelled context.
func TestMetricsContextCancelled(t *testing.T) {
	md := gaugeWith(nil, nil)
	dps := md.ResourceMetrics().At(0).ScopeMetrics().At(0).Metrics().At(0).Gauge().DataPoints()
	for i := 0; i < 3000; i++ {
		dps.AppendEmpty().SetIntValue(1)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err := NewConverter().Metrics(ctx, md, translate.DefaultDatabaseOptions(), nil, &translate.Output{})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v", err)
	}
}

// TestEmptyParts: histogram points without buckets and summaries without
// quantiles create no empty batch (every batch must validate), yet still
// write _count, as metrics.rs does.
func TestEmptyParts(t *testing.T) {
	md := pmetric.NewMetrics()
	ms := md.ResourceMetrics().AppendEmpty().ScopeMetrics().AppendEmpty().Metrics()
	h := ms.AppendEmpty()
	h.SetName("h")
	h.SetEmptyHistogram().DataPoints().AppendEmpty().SetCount(0)
	s := ms.AppendEmpty()
	s.SetName("s")
	s.SetEmptySummary().DataPoints().AppendEmpty().SetCount(2)
	out := convertMetrics(t, md, translate.DefaultDatabaseOptions(), nil)
	var names []string
	for _, b := range out.Batches {
		names = append(names, b.Table)
	}
	if strings.Join(names, ",") != "h_count,s_count,s_sum" {
		t.Errorf("tables %v", names)
	}
}

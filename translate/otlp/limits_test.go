package otlp

import (
	"context"
	"errors"
	"strings"
	"testing"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/plog/plogotlp"
	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.opentelemetry.io/collector/pdata/pmetric/pmetricotlp"
	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/greptime-bridge/greptime-bridge/translate"
	"github.com/greptime-bridge/greptime-bridge/writer/errs"
)

var shapeLim = translate.Limits{MaxAttributesPerItem: 3, MaxAttributeValueBytes: 10}

// fillAttrs puts n small attributes in m.
func fillAttrs(m pcommon.Map, n int) {
	for i := 0; i < n; i++ {
		m.PutStr("k"+itoa(i), "v")
	}
}

// metricsShaped builds one metric of kind k with the given attribute
// counts on its resource, scope and point.
func metricsShaped(kind string, res, scope, point int) pmetric.Metrics {
	md := pmetric.NewMetrics()
	rm := md.ResourceMetrics().AppendEmpty()
	fillAttrs(rm.Resource().Attributes(), res)
	sm := rm.ScopeMetrics().AppendEmpty()
	fillAttrs(sm.Scope().Attributes(), scope)
	m := sm.Metrics().AppendEmpty()
	m.SetName("m_" + kind)
	var attrs pcommon.Map
	switch kind {
	case "gauge":
		p := m.SetEmptyGauge().DataPoints().AppendEmpty()
		p.SetDoubleValue(1)
		attrs = p.Attributes()
	case "sum":
		p := m.SetEmptySum().DataPoints().AppendEmpty()
		p.SetDoubleValue(1)
		attrs = p.Attributes()
	case "histogram":
		p := m.SetEmptyHistogram().DataPoints().AppendEmpty()
		p.SetCount(1)
		attrs = p.Attributes()
	case "exphist":
		attrs = m.SetEmptyExponentialHistogram().DataPoints().AppendEmpty().Attributes()
	case "summary":
		attrs = m.SetEmptySummary().DataPoints().AppendEmpty().Attributes()
	}
	fillAttrs(attrs, point)
	return md
}

// metricsBoth translates md through the protobuf and the pdata entry points
// and returns both errors.
func metricsBoth(t *testing.T, md pmetric.Metrics, lim translate.Limits) (proto, pdata error) {
	t.Helper()
	body, err := pmetricotlp.NewExportRequestFromMetrics(md).MarshalProto()
	if err != nil {
		t.Fatal(err)
	}
	opts := &RequestOptions{Limits: lim}
	_, proto = NewConverter().MetricsProto(context.Background(), body, translate.DefaultDatabaseOptions(), opts, &translate.Output{})
	pdata = NewConverter().Metrics(context.Background(), md, translate.DefaultDatabaseOptions(), opts, &translate.Output{})
	return proto, pdata
}

func logsBoth(t *testing.T, ld plog.Logs, lim translate.Limits) (proto, pdata error) {
	t.Helper()
	body, err := plogotlp.NewExportRequestFromLogs(ld).MarshalProto()
	if err != nil {
		t.Fatal(err)
	}
	opts := &RequestOptions{Limits: lim}
	_, proto = NewConverter().LogsProto(context.Background(), body, opts, &translate.Output{})
	pdata = NewConverter().Logs(context.Background(), ld, opts, &translate.Output{})
	return proto, pdata
}

// wantLimit checks that err is a permanent ExceededError for limit whose
// message holds want.
func wantLimit(t *testing.T, err error, limit, want string) {
	t.Helper()
	var ex *translate.ExceededError
	if !errors.As(err, &ex) || ex.Limit != limit || !errs.IsPermanent(err) {
		t.Fatalf("error %v, want a permanent %s error", err, limit)
	}
	if !strings.Contains(err.Error(), want) {
		t.Errorf("error %q does not contain %q", err, want)
	}
}

// TestAttributeLimitsMetrics: every item of a metrics request is counted,
// on both decoding paths alike: at the limit it passes, one past it fails
// naming the item, the limit and its value.
func TestAttributeLimitsMetrics(t *testing.T) {
	for _, kind := range []string{"gauge", "sum", "histogram", "exphist", "summary"} {
		t.Run(kind, func(t *testing.T) {
			p1, p2 := metricsBoth(t, metricsShaped(kind, 3, 3, 3), shapeLim)
			if p1 != nil || p2 != nil {
				t.Fatalf("at the limit: %v / %v", p1, p2)
			}
			for _, c := range []struct {
				res, scope, point int
				want              string
			}{
				{4, 0, 0, "OTLP metrics resource attributes carries 4, more than limits.shape.max_attributes_per_item = 3"},
				{0, 4, 0, "OTLP metrics scope attributes carries 4"},
				{0, 0, 5, `OTLP metrics metric "m_` + kind + `" data point attributes carries 5, more than limits.shape.max_attributes_per_item = 3`},
			} {
				p1, p2 := metricsBoth(t, metricsShaped(kind, c.res, c.scope, c.point), shapeLim)
				wantLimit(t, p1, translate.LimitAttributesPerItem, c.want)
				wantLimit(t, p2, translate.LimitAttributesPerItem, c.want)
				if p1.Error() != p2.Error() {
					t.Errorf("paths disagree: %q / %q", p1, p2)
				}
			}
		})
	}
}

// TestAttributeValueBytes: strings and byte arrays count, nested ones
// included; the same on both paths and for every signal.
func TestAttributeValueBytes(t *testing.T) {
	build := func(put func(m pcommon.Map)) (pmetric.Metrics, plog.Logs) {
		md := metricsShaped("gauge", 0, 0, 0)
		put(md.ResourceMetrics().At(0).ScopeMetrics().At(0).Metrics().At(0).Gauge().DataPoints().At(0).Attributes())
		ld := plog.NewLogs()
		put(ld.ResourceLogs().AppendEmpty().ScopeLogs().AppendEmpty().LogRecords().AppendEmpty().Attributes())
		return md, ld
	}
	cases := []struct {
		name string
		put  func(m pcommon.Map)
		got  int // value bytes; past the limit of 10 when > 10
	}{
		{"string at limit", func(m pcommon.Map) { m.PutStr("s", "0123456789") }, 10},
		{"string", func(m pcommon.Map) { m.PutStr("s", "0123456789a") }, 11},
		{"bytes", func(m pcommon.Map) { m.PutEmptyBytes("s").FromRaw(make([]byte, 12)) }, 12},
		{"nested", func(m pcommon.Map) {
			s := m.PutEmptySlice("s")
			s.AppendEmpty().SetStr("012345")
			s.AppendEmpty().SetEmptyMap().PutStr("inner", "0123456")
			s.AppendEmpty().SetInt(1 << 40)
		}, 13},
		{"many small values", func(m pcommon.Map) { m.PutStr("a", "012345"); m.PutStr("b", "012345") }, 6},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			md, ld := build(tc.put)
			m1, m2 := metricsBoth(t, md, shapeLim)
			l1, l2 := logsBoth(t, ld, shapeLim)
			if tc.got <= 10 {
				if m1 != nil || m2 != nil || l1 != nil || l2 != nil {
					t.Fatalf("within the limit: %v / %v / %v / %v", m1, m2, l1, l2)
				}
				return
			}
			want := `attribute "s" value bytes carries ` + itoa(tc.got) + ", more than limits.shape.max_attribute_value_bytes = 10"
			for _, err := range []error{m1, m2, l1, l2} {
				wantLimit(t, err, translate.LimitAttributeValueBytes, want)
			}
			wantLimit(t, l1, translate.LimitAttributeValueBytes, "OTLP logs log record attribute")
			if m1.Error() != m2.Error() || l1.Error() != l2.Error() {
				t.Errorf("paths disagree: %q / %q, %q / %q", m1, m2, l1, l2)
			}
		})
	}
}

// TestAttributeLimitsTraces: spans, their events and links are items.
func TestAttributeLimitsTraces(t *testing.T) {
	build := func(span, event, link int) ptrace.Traces {
		td := ptrace.NewTraces()
		sp := td.ResourceSpans().AppendEmpty().ScopeSpans().AppendEmpty().Spans().AppendEmpty()
		sp.SetTraceID([16]byte{1})
		sp.SetSpanID([8]byte{1})
		fillAttrs(sp.Attributes(), span)
		fillAttrs(sp.Events().AppendEmpty().Attributes(), event)
		fillAttrs(sp.Links().AppendEmpty().Attributes(), link)
		return td
	}
	opts := &RequestOptions{Limits: shapeLim}
	if err := NewConverter().Traces(context.Background(), build(3, 3, 3), opts, &translate.Output{}); err != nil {
		t.Fatalf("at the limit: %v", err)
	}
	for _, c := range []struct {
		span, event, link int
		want              string
	}{
		{4, 0, 0, "OTLP traces span attributes carries 4"},
		{0, 4, 0, "OTLP traces span event attributes carries 4"},
		{0, 0, 4, "OTLP traces span link attributes carries 4"},
	} {
		err := NewConverter().Traces(context.Background(), build(c.span, c.event, c.link), opts, &translate.Output{})
		wantLimit(t, err, translate.LimitAttributesPerItem, c.want)
	}
}

// TestAttributeLimitsLogs: resource, scope and record attributes.
func TestAttributeLimitsLogs(t *testing.T) {
	build := func(res, scope, rec int) plog.Logs {
		ld := plog.NewLogs()
		rl := ld.ResourceLogs().AppendEmpty()
		fillAttrs(rl.Resource().Attributes(), res)
		sl := rl.ScopeLogs().AppendEmpty()
		fillAttrs(sl.Scope().Attributes(), scope)
		fillAttrs(sl.LogRecords().AppendEmpty().Attributes(), rec)
		return ld
	}
	if p1, p2 := logsBoth(t, build(3, 3, 3), shapeLim); p1 != nil || p2 != nil {
		t.Fatalf("at the limit: %v / %v", p1, p2)
	}
	for _, c := range []struct {
		res, scope, rec int
		want            string
	}{
		{4, 0, 0, "OTLP logs resource attributes carries 4"},
		{0, 4, 0, "OTLP logs scope attributes carries 4"},
		{0, 0, 4, "OTLP logs log record attributes carries 4"},
	} {
		p1, p2 := logsBoth(t, build(c.res, c.scope, c.rec), shapeLim)
		wantLimit(t, p1, translate.LimitAttributesPerItem, c.want)
		wantLimit(t, p2, translate.LimitAttributesPerItem, c.want)
	}
}

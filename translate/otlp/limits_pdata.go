package otlp

import (
	"fmt"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/greptime-bridge/greptime-bridge/translate"
)

// The pdata shape checks apply the attribute limits to decoded requests
// (OTLP/JSON, and protobuf the wire path hands to pdata) with the meaning
// checkShapeProto gives them on protobuf bytes.

func shapeOn(lim *translate.Limits) bool {
	return lim.MaxAttributesPerItem > 0 || lim.MaxAttributeValueBytes > 0
}

func exceeded(signal string, e *translate.ExceededError) error {
	return translate.Exceeded(e.Limit, e.Max, e.Got, "OTLP "+signal+" "+e.Where)
}

// checkAttrs checks one item's attributes; what names the item.
func checkAttrs(m pcommon.Map, what string, lim *translate.Limits) *translate.ExceededError {
	if n := m.Len(); translate.Over(n, lim.MaxAttributesPerItem) {
		return &translate.ExceededError{Limit: translate.LimitAttributesPerItem, Max: lim.MaxAttributesPerItem, Got: n, Where: what + " attributes"}
	}
	if lim.MaxAttributeValueBytes <= 0 {
		return nil
	}
	for k, v := range m.All() {
		if n := valueBytes(v, 0); translate.Over(n, lim.MaxAttributeValueBytes) {
			return &translate.ExceededError{
				Limit: translate.LimitAttributeValueBytes, Max: lim.MaxAttributeValueBytes, Got: n,
				Where: fmt.Sprintf("%s attribute %q value bytes", what, clipString(k)),
			}
		}
	}
	return nil
}

// valueBytes sums the strings and byte arrays inside v, as anyBytesProto.
func valueBytes(v pcommon.Value, depth int) int {
	if depth > maxAnyDepth {
		return 0
	}
	switch v.Type() {
	case pcommon.ValueTypeStr:
		return len(v.Str())
	case pcommon.ValueTypeBytes:
		return v.Bytes().Len()
	case pcommon.ValueTypeSlice:
		n := 0
		for _, e := range v.Slice().All() {
			n += valueBytes(e, depth+1)
		}
		return n
	case pcommon.ValueTypeMap:
		n := 0
		for _, e := range v.Map().All() {
			n += valueBytes(e, depth+1)
		}
		return n
	}
	return 0
}

func checkShapeMetrics(md pmetric.Metrics, lim *translate.Limits) error {
	if !shapeOn(lim) {
		return nil
	}
	for _, rm := range md.ResourceMetrics().All() {
		if e := checkAttrs(rm.Resource().Attributes(), "resource", lim); e != nil {
			return exceeded("metrics", e)
		}
		for _, sm := range rm.ScopeMetrics().All() {
			if e := checkAttrs(sm.Scope().Attributes(), "scope", lim); e != nil {
				return exceeded("metrics", e)
			}
			for _, mt := range sm.Metrics().All() {
				if e := checkMetric(mt, lim); e != nil {
					e.Where = fmt.Sprintf("metric %q %s", clipString(mt.Name()), e.Where)
					return exceeded("metrics", e)
				}
			}
		}
	}
	return nil
}

func checkMetric(mt pmetric.Metric, lim *translate.Limits) *translate.ExceededError {
	const dp = "data point"
	switch mt.Type() {
	case pmetric.MetricTypeGauge:
		for _, p := range mt.Gauge().DataPoints().All() {
			if e := checkAttrs(p.Attributes(), dp, lim); e != nil {
				return e
			}
		}
	case pmetric.MetricTypeSum:
		for _, p := range mt.Sum().DataPoints().All() {
			if e := checkAttrs(p.Attributes(), dp, lim); e != nil {
				return e
			}
		}
	case pmetric.MetricTypeHistogram:
		for _, p := range mt.Histogram().DataPoints().All() {
			if e := checkAttrs(p.Attributes(), dp, lim); e != nil {
				return e
			}
		}
	case pmetric.MetricTypeExponentialHistogram:
		for _, p := range mt.ExponentialHistogram().DataPoints().All() {
			if e := checkAttrs(p.Attributes(), dp, lim); e != nil {
				return e
			}
		}
	case pmetric.MetricTypeSummary:
		for _, p := range mt.Summary().DataPoints().All() {
			if e := checkAttrs(p.Attributes(), dp, lim); e != nil {
				return e
			}
		}
	}
	return nil
}

func checkShapeLogs(ld plog.Logs, lim *translate.Limits) error {
	if !shapeOn(lim) {
		return nil
	}
	for _, rl := range ld.ResourceLogs().All() {
		if e := checkAttrs(rl.Resource().Attributes(), "resource", lim); e != nil {
			return exceeded("logs", e)
		}
		for _, sl := range rl.ScopeLogs().All() {
			if e := checkAttrs(sl.Scope().Attributes(), "scope", lim); e != nil {
				return exceeded("logs", e)
			}
			for _, lr := range sl.LogRecords().All() {
				if e := checkAttrs(lr.Attributes(), "log record", lim); e != nil {
					return exceeded("logs", e)
				}
			}
		}
	}
	return nil
}

func checkShapeTraces(td ptrace.Traces, lim *translate.Limits) error {
	if !shapeOn(lim) {
		return nil
	}
	for _, rs := range td.ResourceSpans().All() {
		if e := checkAttrs(rs.Resource().Attributes(), "resource", lim); e != nil {
			return exceeded("traces", e)
		}
		for _, ss := range rs.ScopeSpans().All() {
			if e := checkAttrs(ss.Scope().Attributes(), "scope", lim); e != nil {
				return exceeded("traces", e)
			}
			for _, sp := range ss.Spans().All() {
				if e := checkSpan(sp, lim); e != nil {
					return exceeded("traces", e)
				}
			}
		}
	}
	return nil
}

func checkSpan(sp ptrace.Span, lim *translate.Limits) *translate.ExceededError {
	if e := checkAttrs(sp.Attributes(), "span", lim); e != nil {
		return e
	}
	for _, ev := range sp.Events().All() {
		if e := checkAttrs(ev.Attributes(), "span event", lim); e != nil {
			return e
		}
	}
	for _, l := range sp.Links().All() {
		if e := checkAttrs(l.Attributes(), "span link", lim); e != nil {
			return e
		}
	}
	return nil
}

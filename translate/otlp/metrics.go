package otlp

import (
	"context"
	"strings"

	"go.opentelemetry.io/collector/pdata/pmetric"

	"github.com/greptime-bridge/greptime-bridge/translate"
	"github.com/greptime-bridge/greptime-bridge/writer/table"
)

// Column names of every metric table (common/query prelude.rs
// greptime_timestamp / greptime_value; GREPTIME_COUNT for legacy summaries).
const (
	colTimestamp = "greptime_timestamp"
	colValue     = "greptime_value"
	colCount     = "greptime_count"
)

// defaultPromoted are the resource attributes kept as tags by default
// (metrics.rs DEFAULT_PROMOTE_ATTRS).
var defaultPromoted = map[string]struct{}{
	"service.instance.id": {}, "service.name": {}, "service.namespace": {}, "service.version": {},
	"cloud.availability_zone": {}, "cloud.region": {}, "container.name": {},
	"deployment.environment": {}, "deployment.environment.name": {},
	"k8s.cluster.name": {}, "k8s.container.name": {}, "k8s.cronjob.name": {},
	"k8s.daemonset.name": {}, "k8s.deployment.name": {}, "k8s.job.name": {},
	"k8s.namespace.name": {}, "k8s.pod.name": {}, "k8s.replicaset.name": {},
	"k8s.statefulset.name": {},
}

// Semantic table options GreptimeDB v1.1+ stamps on tables it creates
// (table/src/requests/semantic.rs). They are valid table options, so they
// travel as hints.
const (
	semSignalType   = "greptime.semantic.signal_type"
	semSource       = "greptime.semantic.source"
	semMetricType   = "greptime.semantic.metric.type"
	semUnit         = "greptime.semantic.metric.unit"
	semTemporality  = "greptime.semantic.metric.temporality"
	semQuality      = "greptime.semantic.metric.metadata_quality"
	semOriginalName = "greptime.semantic.metric.original_name"
	sourceOTel      = "opentelemetry"
)

// metricCtx is the per-request state of a metrics translation.
type metricCtx struct {
	db     translate.DatabaseOptions
	opts   *RequestOptions
	legacy bool
	out    *translate.Output
	// droppedAttrs counts attribute values GreptimeDB does not store
	// (reported once per request as out.Dropped["metric_attribute_type"]).
	droppedAttrs int
	// exemplars counts exemplars, which GreptimeDB ignores (metrics.rs).
	exemplars int
	// wire says point attribute values are checked as UTF-8 in their
	// columns after each metric (wirePoints), not one by one (pointTag).
	wire bool
}

// Metrics translates md into out: one batch per GreptimeDB table, in the
// layout GreptimeDB's OTLP metrics endpoint writes for db's mode
// (src/servers/src/otlp/metrics.rs). Data points GreptimeDB does not store
// are counted in out.Dropped. A returned error is permanent when the data is
// at fault.
// On error out may hold part of the request and must be discarded.
func (c *Converter) Metrics(ctx context.Context, md pmetric.Metrics, db translate.DatabaseOptions, opts *RequestOptions, out *translate.Output) error {
	if opts != nil {
		if err := checkShapeMetrics(md, &opts.Limits); err != nil {
			return err
		}
	}
	m := c.startMetrics(db, opts, out)
	rms := md.ResourceMetrics()
	for i := 0; i < rms.Len(); i++ {
		rm := rms.At(i)
		if err := c.resourceTags(m, rm.Resource().Attributes()); err != nil {
			return err
		}
		sms := rm.ScopeMetrics()
		for j := 0; j < sms.Len(); j++ {
			sm := sms.At(j)
			if err := c.scopeTags(m, sm); err != nil {
				return err
			}
			ms := sm.Metrics()
			for k := 0; k < ms.Len(); k++ {
				if err := c.metric(ctx, m, ms.At(k)); err != nil {
					return err
				}
			}
		}
	}
	m.finish()
	return nil
}

// startMetrics prepares the per-request state both decoding paths share.
func (c *Converter) startMetrics(db translate.DatabaseOptions, opts *RequestOptions, out *translate.Output) *metricCtx {
	if opts == nil {
		opts = &RequestOptions{}
	}
	if db.PhysicalTable == "" {
		db.PhysicalTable = translate.DefaultPhysicalTable
	}
	m := &metricCtx{db: db, opts: opts, legacy: db.OTLPMetricMode == translate.OTLPMetricLegacy, out: out}
	if c.promote == nil {
		c.promote = make(map[string]struct{}, len(opts.ResourceAttrs))
	}
	clear(c.promote)
	for _, a := range opts.ResourceAttrs {
		c.promote[a] = struct{}{}
	}
	return m
}

// finish marks the string columns checked (markTagValuesChecked) and
// reports the request's drop counters.
func (m *metricCtx) finish() {
	markTagValuesChecked(m.out)
	m.out.Drop(DropMetricAttributeType, m.droppedAttrs)
	m.out.Exemplars += m.exemplars
	m.out.Drop(DropExemplar, m.exemplars)
}

func kindOf(mt pmetric.Metric) (metricKind, bool) {
	switch mt.Type() {
	case pmetric.MetricTypeGauge:
		return kindGauge, true
	case pmetric.MetricTypeSum:
		if mt.Sum().IsMonotonic() {
			return kindMonotonicSum, true
		}
		return kindNonMonotonicSum, true
	case pmetric.MetricTypeHistogram:
		return kindHistogram, true
	case pmetric.MetricTypeExponentialHistogram:
		return kindExpHistogram, true
	case pmetric.MetricTypeSummary:
		return kindSummary, true
	}
	return 0, false
}

// metric translates one metric (metrics.rs encode_metrics).
func (c *Converter) metric(ctx context.Context, m *metricCtx, mt pmetric.Metric) error {
	kind, ok := kindOf(mt)
	if !ok {
		m.out.Drop(DropMetricWithoutData, 1) // skipped, as metrics.rs does
		return nil
	}
	var name string
	if m.legacy {
		name = c.legacy(mt.Name())
	} else {
		name = c.metricName(mt.Name(), mt.Unit(), kind, m.opts.Strategy)
	}
	if name == "" {
		return badInput("metric %q translates to an empty table name", mt.Name())
	}
	if err := checkUTF8("metric name", name); err != nil {
		return err
	}
	switch kind {
	case kindGauge:
		return c.numberPoints(ctx, m, mt, name, "gauge", mt.Gauge().DataPoints())
	case kindMonotonicSum:
		return c.numberPoints(ctx, m, mt, name, "counter", mt.Sum().DataPoints())
	case kindNonMonotonicSum:
		return c.numberPoints(ctx, m, mt, name, "updown_counter", mt.Sum().DataPoints())
	case kindHistogram:
		return c.histogram(ctx, m, mt, name)
	case kindSummary:
		return c.summary(ctx, m, mt, name)
	case kindExpHistogram:
		if m.opts.ConvertExponentialHistograms {
			return c.expHistogram(ctx, m, mt, name)
		}
		// metrics.rs leaves exponential histograms unwritten (a TODO).
		m.out.Drop(DropExponentialHistogram, mt.ExponentialHistogram().DataPoints().Len())
	}
	return nil
}

// metricMeta is what a metric table's hints are made of, whichever path
// decoded the metric.
type metricMeta struct {
	name, unit string
	kind       metricKind
	// temporality is "delta", "cumulative" or "".
	temporality string
}

// pdataMeta returns the metricMeta of a pdata metric.
func pdataMeta(mt pmetric.Metric) metricMeta {
	kind, _ := kindOf(mt)
	return metricMeta{name: mt.Name(), unit: mt.Unit(), kind: kind, temporality: temporality(mt)}
}

// table returns the batch for a metric table, stamping its hints the first
// time it appears in this output.
func (c *Converter) table(m *metricCtx, mt metricMeta, name, semType string) *table.Batch {
	b, fresh := batchFor(m.out, m.opts.Database, name)
	if !fresh {
		return b
	}
	if !m.legacy {
		// frontend/src/instance/otlp.rs: new-mode tables carry
		// otlp_metric_compat=prom and go to the metric engine unless it is off.
		b.Hints.Set("otlp_metric_compat", "prom")
		if m.db.MetricEngine {
			b.Hints.Set("physical_table", m.db.PhysicalTable)
		}
	}
	b.Hints.Set(semSignalType, "metric")
	b.Hints.Set(semSource, sourceOTel)
	// metrics.rs record_metric_semantics.
	b.Hints.Set(semMetricType, semType)
	b.Hints.Set(semQuality, "declared")
	if mt.temporality != "" {
		b.Hints.Set(semTemporality, mt.temporality)
	}
	// Hints outlive the request, whose body the wire path's strings view.
	if u := strings.TrimSpace(mt.unit); u != "" && hintSafe(u) {
		b.Hints.Set(semUnit, strings.Clone(u))
	}
	if base := baseName(m, mt, c); base != mt.name && hintSafe(mt.name) {
		b.Hints.Set(semOriginalName, strings.Clone(mt.name))
	}
	applyHints(b, m.opts.Hints)
	if m.legacy || !m.db.MetricEngine {
		// frontend/src/instance/otlp.rs writes legacy tables, and all tables
		// without the metric engine, through plain row inserts whatever the
		// request's physical_table hint says; on the bridge's gRPC path
		// that hint would select the metric engine, so it is dropped.
		b.Hints = removeHint(b.Hints, "physical_table")
	}
	return b
}

// baseName is the translated name before any _bucket/_sum/_count suffix;
// GreptimeDB compares it with the original to decide original_name.
func baseName(m *metricCtx, mt metricMeta, c *Converter) string {
	if m.legacy {
		return c.legacy(mt.name)
	}
	return c.metricName(mt.name, mt.unit, mt.kind, m.opts.Strategy)
}

// hintSafe reports whether v can ride the "k=v, k=v" hints header.
func hintSafe(v string) bool { return !strings.ContainsAny(v, ",=\r\n") }

func temporality(mt pmetric.Metric) string {
	var t pmetric.AggregationTemporality
	switch mt.Type() {
	case pmetric.MetricTypeSum:
		t = mt.Sum().AggregationTemporality()
	case pmetric.MetricTypeHistogram:
		t = mt.Histogram().AggregationTemporality()
	default:
		return ""
	}
	return temporalityName(int32(t))
}

// temporalityName names an AggregationTemporality (metrics.proto: 1 delta,
// 2 cumulative).
func temporalityName(t int32) string {
	switch t {
	case int32(pmetric.AggregationTemporalityDelta):
		return "delta"
	case int32(pmetric.AggregationTemporalityCumulative):
		return "cumulative"
	}
	return ""
}

package otlp

import (
	"context"

	"github.com/greptime-bridge/greptime-bridge/translate"
)

// More field numbers (metrics/v1/metrics.proto, resource/v1/resource.proto,
// common/v1/common.proto).
const (
	fResourceAttrs    = 1 // Resource.attributes
	fResourceDropped  = 2
	fResourceEntities = 3 // Resource.entity_refs

	fScopeName    = 1 // InstrumentationScope.name
	fScopeVersion = 2
	fScopeAttrs   = 3
	fScopeDropped = 4

	fGaugePoints     = 1 // Gauge.data_points, Sum.data_points
	fSumTemporality  = 2
	fSumMonotonic    = 3
	fNumberAttrs     = 7 // NumberDataPoint.attributes
	fNumberStart     = 2
	fNumberTime      = 3
	fNumberDouble    = 4
	fNumberExemplars = 5
	fNumberInt       = 6
	fNumberFlags     = 8
)

// metricsWire is Metrics on wire bytes the plan accepted.
func (c *Converter) metricsWire(ctx context.Context, body []byte, db translate.DatabaseOptions, opts *RequestOptions, out *translate.Output) error {
	m := c.startMetrics(db, opts, out)
	m.wire = true
	r := wireReader{b: body}
	for r.more() {
		num, wt, err := r.tag()
		if err != nil {
			return err
		}
		if num != fRequestResource {
			if err := r.skip(wt); err != nil {
				return err
			}
			continue
		}
		rb, err := r.lenField(num, wt)
		if err != nil {
			return err
		}
		if err := c.wireResourceMetrics(ctx, m, rb); err != nil {
			return err
		}
	}
	m.finish()
	return nil
}

// wireResourceMetrics translates one ResourceMetrics: the resource first,
// wherever it sits, then each scope in order.
func (c *Converter) wireResourceMetrics(ctx context.Context, m *metricCtx, b []byte) error {
	var res []byte
	r := wireReader{b: b}
	for r.more() {
		num, wt, err := r.tag()
		if err != nil {
			return err
		}
		if num == fResResource {
			if res, err = r.lenField(num, wt); err != nil {
				return err
			}
		} else if err := r.skip(wt); err != nil {
			return err
		}
	}
	if err := c.wireResourceTags(m, res); err != nil {
		return err
	}
	r = wireReader{b: b}
	for r.more() {
		num, wt, err := r.tag()
		if err != nil {
			return err
		}
		if num != fResScope {
			if err := r.skip(wt); err != nil {
				return err
			}
			continue
		}
		sb, err := r.lenField(num, wt)
		if err != nil {
			return err
		}
		if err := c.wireScopeMetrics(ctx, m, sb); err != nil {
			return err
		}
	}
	return nil
}

// wireScopeMetrics is scopeTags plus the scope's metrics.
func (c *Converter) wireScopeMetrics(ctx context.Context, m *metricCtx, b []byte) error {
	var scope []byte
	var ws wireScope
	r := wireReader{b: b}
	for r.more() {
		num, wt, err := r.tag()
		if err != nil {
			return err
		}
		switch num {
		case fScopeScope:
			scope, err = r.lenField(num, wt)
		case fScopeSchemaURL:
			ws.schemaURL, err = r.lenField(num, wt)
		default:
			err = r.skip(wt)
		}
		if err != nil {
			return err
		}
	}
	c.baseTags = append(c.baseTags[:0], c.resTags...)
	c.baseGen++
	c.tagIdxOK = false
	c.scopeBuf = c.scopeBuf[:0]
	var attr func(key []byte, v *anyVal) error
	if m.opts.PromoteScopeAttrs {
		attr = func(key []byte, v *anyVal) error {
			return c.addAttr(m, &c.baseTags, &c.scopeBuf, bytesView(key), v.attr(), "otel_scope_")
		}
	}
	if err := decodeScope(scope, &ws, attr); err != nil {
		return err
	}
	if m.opts.PromoteScopeAttrs {
		if err := c.scopeFieldTags(m, bytesView(ws.name), bytesView(ws.version), bytesView(ws.schemaURL)); err != nil {
			return err
		}
	}
	r = wireReader{b: b}
	for r.more() {
		num, wt, err := r.tag()
		if err != nil {
			return err
		}
		if num != fScopeItems {
			if err := r.skip(wt); err != nil {
				return err
			}
			continue
		}
		mb, err := r.lenField(num, wt)
		if err != nil {
			return err
		}
		if err := c.wireMetric(ctx, m, mb); err != nil {
			return err
		}
	}
	return nil
}

// wireMetric is metric on a Metric message (any type but exponential
// histograms, as planned).
func (c *Converter) wireMetric(ctx context.Context, m *metricCtx, b []byte) error {
	var name, unit, data []byte
	var dataNum int32
	var v anyVal
	r := wireReader{b: b}
	for r.more() {
		num, wt, err := r.tag()
		if err != nil {
			return err
		}
		switch num {
		case fMetricName:
			name, err = r.lenField(num, wt)
		case fMetricUnit:
			unit, err = r.lenField(num, wt)
		case fMetricDescription:
			_, err = r.lenField(num, wt)
		case fMetricGauge, fMetricSum, fMetricHistogram, fMetricSummary, fMetricExpHist:
			dataNum = num
			data, err = r.lenField(num, wt)
		case fMetricMetadata:
			var kb []byte
			if kb, err = r.lenField(num, wt); err == nil {
				_, err = decodeKV(kb, 0, &v)
			}
		default:
			err = r.skip(wt)
		}
		if err != nil {
			return err
		}
	}
	if dataNum == 0 {
		m.out.Drop(DropMetricWithoutData, 1) // skipped, as metrics.rs does
		return nil
	}
	meta := metricMeta{name: bytesView(name), unit: bytesView(unit), kind: kindGauge}
	points, err := pointsHeader(data, dataNum, &meta)
	if err != nil {
		return err
	}
	tname := c.metricName(meta.name, meta.unit, meta.kind, m.opts.Strategy)
	if tname == "" {
		return badInput("metric %q translates to an empty table name", meta.name)
	}
	if err := checkUTF8("metric name", tname); err != nil {
		return err
	}
	if points == 0 {
		return nil
	}
	switch meta.kind {
	case kindHistogram:
		return c.wireHistogram(ctx, m, meta, tname, data, points)
	case kindSummary:
		return c.wireSummary(ctx, m, meta, tname, data, points)
	case kindExpHistogram:
		// Dropped, as metrics.rs leaves them unwritten (MetricsProto sends
		// the converting option to pdata); pdata still decodes every point.
		if err := c.wirePoints(ctx, data, 0, checkExpPoint); err != nil {
			return err
		}
		m.out.Drop(DropExponentialHistogram, points)
		return nil
	}
	semType := "gauge"
	switch meta.kind {
	case kindMonotonicSum:
		semType = "counter"
	case kindNonMonotonicSum:
		semType = "updown_counter"
	}
	tb := c.table(m, meta, tname, semType)
	err = c.wirePoints(ctx, data, points, func(pb []byte) error {
		return c.wireNumberPoint(m, tb, pb)
	})
	if err != nil {
		return err
	}
	m.out.Samples += points
	return nil
}

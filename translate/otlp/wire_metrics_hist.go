package otlp

import (
	"context"
	"encoding/binary"
	"fmt"
	"math"
)

// HistogramDataPoint and SummaryDataPoint field numbers (metrics.proto).
const (
	fHistTemporality = 2 // Histogram.aggregation_temporality
	fHistTime        = 3
	fHistCount       = 4
	fHistSum         = 5
	fHistCounts      = 6
	fHistBounds      = 7
	fHistExemplars   = 8
	fHistAttrs       = 9
	fHistFlags       = 10
	fHistMin         = 11
	fHistMax         = 12

	fSummaryCount     = 4
	fSummarySum       = 5
	fSummaryQuantiles = 6
	fSummaryAttrs     = 7
	fSummaryFlags     = 8
)

// wirePoints calls point with each data point of a Gauge, Sum, Histogram
// or Summary (data_points = 1 in all four), ticking the context. Once the
// first of points has written its rows, it reserves the rest (reserveRest);
// once all have, it checks their strings (checkRowsSince).
func (c *Converter) wirePoints(ctx context.Context, data []byte, points int, point func([]byte) error) error {
	first := points > 1
	before := c.shapeRows()
	r := wireReader{b: data}
	for r.more() {
		num, wt, err := r.tag()
		if err != nil {
			return err
		}
		if num != fGaugePoints {
			if err := r.skip(wt); err != nil {
				return err
			}
			continue
		}
		pb, err := r.lenField(num, wt)
		if err != nil {
			return err
		}
		if err := c.tick(ctx); err != nil {
			return err
		}
		if err := point(pb); err != nil {
			return err
		}
		if first {
			first = false
			c.reserveRest(&before, points-1, len(data), len(data)-r.pos)
		}
	}
	return c.checkRowsSince(&before)
}

// wireHistogram is histogram on a Histogram message's points.
func (c *Converter) wireHistogram(ctx context.Context, m *metricCtx, meta metricMeta, name string, data []byte, points int) error {
	ht := c.histTables(m, meta, name)
	err := c.wirePoints(ctx, data, points, func(pb []byte) error {
		return c.wireHistogramPoint(m, &ht, pb)
	})
	if err != nil {
		return err
	}
	m.out.Histograms += points
	return nil
}

func (c *Converter) wireHistogramPoint(m *metricCtx, ht *histTables, pb []byte) error {
	c.startPointTags()
	c.hBounds, c.hCounts = c.hBounds[:0], c.hCounts[:0]
	pos := 0
	var ts, count uint64
	var sum float64
	hasSum := false
	var v anyVal
	r := wireReader{b: pb}
	for r.more() {
		num, wt, err := r.tag()
		if err != nil {
			return err
		}
		switch num {
		case fHistAttrs:
			var kb, key []byte
			if kb, err = r.lenField(num, wt); err == nil {
				if key, err = decodeKV(kb, 0, &v); err == nil {
					err = c.pointTag(m, &pos, bytesView(key), v.attr())
				}
			}
		case fNumberStart, fHistMin, fHistMax:
			_, err = r.u64Field(num, wt)
		case fHistTime:
			ts, err = r.u64Field(num, wt)
		case fHistCount:
			count, err = r.u64Field(num, wt)
		case fHistSum:
			var x uint64
			if x, err = r.u64Field(num, wt); err == nil {
				sum, hasSum = math.Float64frombits(x), true
			}
		case fHistCounts:
			err = readFixed64s(&r, num, wt, &c.hCounts, asUint64)
		case fHistBounds:
			err = readFixed64s(&r, num, wt, &c.hBounds, math.Float64frombits)
		case fHistExemplars:
			var eb []byte
			if eb, err = r.lenField(num, wt); err == nil {
				err = checkExemplar(eb)
				m.exemplars++
			}
		case fHistFlags:
			_, err = r.varField(num, wt)
		default:
			err = r.skip(wt)
		}
		if err != nil {
			return err
		}
	}
	return c.histogramRows(m, ht, ts, hasSum, sum, count)
}

// readFixed64s reads a repeated fixed64/double field into dst as pdata
// does: a packed occurrence replaces what earlier ones gave, an unpacked
// one appends, and a packed length that is not a multiple of 8 is an error.
func readFixed64s[T any](r *wireReader, num int32, wt int, dst *[]T, conv func(uint64) T) error {
	switch wt {
	case wtI64:
		x, err := r.fixed64()
		if err == nil {
			*dst = append(*dst, conv(x))
		}
		return err
	case wtLen:
		p, err := r.bytes()
		if err != nil {
			return err
		}
		if len(p)%8 != 0 {
			return fmt.Errorf("proto: invalid packed length %d for field %d", len(p), num)
		}
		*dst = (*dst)[:0]
		for i := 0; i < len(p); i += 8 {
			*dst = append(*dst, conv(binary.LittleEndian.Uint64(p[i:])))
		}
		return nil
	}
	return want(num, wt, wtLen)
}

func asUint64(x uint64) uint64 { return x }

// wireSummary is summary (prom mode) on a Summary message's points.
func (c *Converter) wireSummary(ctx context.Context, m *metricCtx, meta metricMeta, name string, data []byte, points int) error {
	st := c.summaryTables(m, meta, name)
	err := c.wirePoints(ctx, data, points, func(pb []byte) error {
		return c.wireSummaryPoint(m, &st, pb)
	})
	if err != nil {
		return err
	}
	m.out.Samples += points
	return nil
}

func (c *Converter) wireSummaryPoint(m *metricCtx, st *summaryTables, pb []byte) error {
	c.startPointTags()
	c.quantiles = c.quantiles[:0]
	pos := 0
	var ts, count uint64
	var sum float64
	var v anyVal
	r := wireReader{b: pb}
	for r.more() {
		num, wt, err := r.tag()
		if err != nil {
			return err
		}
		switch num {
		case fSummaryAttrs:
			var kb, key []byte
			if kb, err = r.lenField(num, wt); err == nil {
				if key, err = decodeKV(kb, 0, &v); err == nil {
					err = c.pointTag(m, &pos, bytesView(key), v.attr())
				}
			}
		case fNumberStart:
			_, err = r.u64Field(num, wt)
		case fHistTime:
			ts, err = r.u64Field(num, wt)
		case fSummaryCount:
			count, err = r.u64Field(num, wt)
		case fSummarySum:
			var x uint64
			x, err = r.u64Field(num, wt)
			sum = math.Float64frombits(x)
		case fSummaryQuantiles:
			var qb []byte
			if qb, err = r.lenField(num, wt); err == nil {
				var q quantileVal
				if q, err = decodeQuantile(qb); err == nil {
					c.quantiles = append(c.quantiles, q)
				}
			}
		case fSummaryFlags:
			_, err = r.varField(num, wt)
		default:
			err = r.skip(wt)
		}
		if err != nil {
			return err
		}
	}
	return c.summaryRows(m, st, ts, count, sum)
}

// decodeQuantile reads a ValueAtQuantile (quantile = 1, value = 2).
func decodeQuantile(b []byte) (quantileVal, error) {
	var q quantileVal
	r := wireReader{b: b}
	for r.more() {
		num, wt, err := r.tag()
		if err != nil {
			return q, err
		}
		switch num {
		case 1, 2:
			var x uint64
			if x, err = r.u64Field(num, wt); err == nil {
				if num == 1 {
					q.q = math.Float64frombits(x)
				} else {
					q.v = math.Float64frombits(x)
				}
			}
		default:
			err = r.skip(wt)
		}
		if err != nil {
			return q, err
		}
	}
	return q, nil
}

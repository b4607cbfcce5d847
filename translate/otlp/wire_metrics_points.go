package otlp

import (
	"bytes"
	"math"

	"github.com/greptime-bridge/greptime-bridge/writer/table"
)

// pointsHeader reads a Gauge, Sum, Histogram or Summary apart from its
// points, which it counts, and sets meta's kind and temporality.
func pointsHeader(b []byte, dataNum int32, meta *metricMeta) (int, error) {
	points := 0
	monotonic := false
	var temp int32
	sum, hist := dataNum == fMetricSum, dataNum == fMetricHistogram || dataNum == fMetricExpHist
	r := wireReader{b: b}
	for r.more() {
		num, wt, err := r.tag()
		if err != nil {
			return 0, err
		}
		switch {
		case num == fGaugePoints:
			points++
			_, err = r.lenField(num, wt)
		case (sum || hist) && num == fSumTemporality:
			var x uint64
			x, err = r.varField(num, wt)
			temp = int32(x)
		case sum && num == fSumMonotonic:
			var x uint64
			x, err = r.varField(num, wt)
			monotonic = x != 0
		default:
			err = r.skip(wt)
		}
		if err != nil {
			return 0, err
		}
	}
	switch dataNum {
	case fMetricSum:
		meta.kind = kindNonMonotonicSum
		if monotonic {
			meta.kind = kindMonotonicSum
		}
		meta.temporality = temporalityName(temp)
	case fMetricHistogram:
		meta.kind = kindHistogram
		meta.temporality = temporalityName(temp)
	case fMetricSummary:
		meta.kind = kindSummary
	case fMetricExpHist:
		meta.kind = kindExpHistogram
	}
	return points, nil
}

// wireNumberPoint writes one NumberDataPoint as numberPoints does.
func (c *Converter) wireNumberPoint(m *metricCtx, b *table.Batch, pb []byte) error {
	var ts uint64
	var val float64
	has := false
	start, end, split, last := -1, -1, false, int32(0)
	c.ptFields = c.ptFields[:0]
	r := wireReader{b: pb}
	for r.more() {
		at := r.pos
		num, wt, err := r.tag()
		if err != nil {
			return err
		}
		switch num {
		case fNumberAttrs:
			var kb []byte
			if kb, err = r.lenField(num, wt); err == nil {
				c.ptFields = append(c.ptFields, kb)
				switch {
				case start < 0:
					start = at
				case last != fNumberAttrs:
					split = true
				}
				end = r.pos
			}
		case fNumberStart:
			_, err = r.u64Field(num, wt)
		case fNumberTime:
			ts, err = r.u64Field(num, wt)
		case fNumberDouble, fNumberInt:
			var x uint64
			if x, err = r.u64Field(num, wt); err == nil {
				has = true
				val = math.Float64frombits(x)
				if num == fNumberInt {
					val = float64(int64(x)) // metrics.rs: as_int cast to f64
				}
			}
		case fNumberExemplars:
			var eb []byte
			if eb, err = r.lenField(num, wt); err == nil {
				err = checkExemplar(eb)
				m.exemplars++
			}
		case fNumberFlags:
			_, err = r.varField(num, wt)
		default:
			err = r.skip(wt)
		}
		if err != nil {
			return err
		}
		last = num
	}
	var attrs []byte
	if start >= 0 {
		attrs = pb[start:end]
	}
	if split {
		attrs = pb
	}
	if err := c.wirePointTags(m, attrs, split); err != nil {
		return err
	}
	return c.writeRow(m, b, ts, "", "", val, has)
}

// wirePointTags builds a point's tags from its attribute KeyValues in
// c.ptFields, found by the caller while it decoded the point: walking the
// point again for them cost a second tag and length read per attribute
// (issue #12, otlp-sum load). span holds the attribute fields unless
// split. Points often repeat the previous point's attributes byte for
// byte; then the tags that point left in c.rowTags are the answer, and
// decoding again could not fail either. The memo holds a view into the
// request, valid under the base tags it was made with and until another
// point rebuilds the tags (startPointTags).
func (c *Converter) wirePointTags(m *metricCtx, span []byte, split bool) error {
	if !split && c.ptMemoOK && c.ptGen == c.baseGen && bytes.Equal(span, c.ptRaw) {
		m.droppedAttrs += c.ptDropped
		return nil
	}
	c.startPointTags()
	dropped := m.droppedAttrs
	pos := 0
	var v anyVal
	for _, kb := range c.ptFields {
		key, err := decodeKV(kb, 0, &v)
		if err != nil {
			return err
		}
		if err := c.pointTag(m, &pos, bytesView(key), v.attr()); err != nil {
			return err
		}
	}
	if !split {
		c.ptRaw, c.ptGen, c.ptDropped, c.ptMemoOK = span, c.baseGen, m.droppedAttrs-dropped, true
	}
	return nil
}

// checkExemplar validates an Exemplar (filtered_attributes 7, time 2,
// as_double 3, as_int 6, span_id 4, trace_id 5), which GreptimeDB ignores.
func checkExemplar(b []byte) error {
	var v anyVal
	r := wireReader{b: b}
	for r.more() {
		num, wt, err := r.tag()
		if err != nil {
			return err
		}
		switch num {
		case 7:
			var kb []byte
			if kb, err = r.lenField(num, wt); err == nil {
				_, err = decodeKV(kb, 0, &v)
			}
		case 2, 3, 6:
			_, err = r.u64Field(num, wt)
		case 4, 5:
			var id []byte
			if id, err = r.lenField(num, wt); err == nil {
				if num == 4 {
					err = checkID(id, 8, errBadSpanID)
				} else {
					err = checkID(id, 16, errBadTraceID)
				}
			}
		default:
			err = r.skip(wt)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// checkExpPoint validates an ExponentialHistogramDataPoint (attributes 1;
// fixed64 start 2, time 3, count 4, sum 5, zero_count 7, min 12, max 13,
// zero_threshold 14; varint scale 6 and flags 10; buckets positive 8 and
// negative 9; exemplars 11), which the bridge drops.
func checkExpPoint(b []byte) error {
	var v anyVal
	r := wireReader{b: b}
	for r.more() {
		num, wt, err := r.tag()
		if err != nil {
			return err
		}
		switch num {
		case 1:
			var kb []byte
			if kb, err = r.lenField(num, wt); err == nil {
				_, err = decodeKV(kb, 0, &v)
			}
		case 2, 3, 4, 5, 7, 12, 13, 14:
			_, err = r.u64Field(num, wt)
		case 6, 10:
			_, err = r.varField(num, wt)
		case 8, 9:
			var bb []byte
			if bb, err = r.lenField(num, wt); err == nil {
				err = checkExpBuckets(bb)
			}
		case 11:
			var eb []byte
			if eb, err = r.lenField(num, wt); err == nil {
				err = checkExemplar(eb)
			}
		default:
			err = r.skip(wt)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// checkExpBuckets validates Buckets (offset 1, sint32; bucket_counts 2,
// packed or not varints).
func checkExpBuckets(b []byte) error {
	r := wireReader{b: b}
	for r.more() {
		num, wt, err := r.tag()
		if err != nil {
			return err
		}
		switch {
		case num == 1:
			_, err = r.varField(num, wt)
		case num == 2 && wt == wtVarint:
			_, err = r.varint()
		case num == 2:
			var p []byte
			if p, err = r.lenField(num, wt); err == nil {
				pr := wireReader{b: p}
				for pr.more() && err == nil {
					_, err = pr.varint()
				}
			}
		default:
			err = r.skip(wt)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

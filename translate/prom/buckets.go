package prom

import (
	"cmp"
	"math"
	"slices"
)

// bucket is one classic bucket: its upper bound and its own (not yet
// cumulative) count.
type bucket struct {
	le    float64
	count float64
}

// maxHistogramBuckets bounds the buckets of one converted histogram.
const maxHistogramBuckets = 1 << 16

// classicBuckets converts a native histogram into classic buckets sorted by
// upper bound, ending with +Inf = count. Conversion rule: exponential bucket
// i of schema s covers (b^(i-1), b^i] with b = 2^(2^-s) (negative buckets
// mirror it, so their upper bound is -b^(i-1)); the zero bucket's upper
// bound is the zero threshold; custom-bucket (schema -53) index i has upper
// bound custom_values[i], or +Inf at i == len(custom_values). Integer
// histograms carry deltas, accumulated into absolute counts as GreptimeDB
// does (v2.rs bucket_counts_from_deltas: a negative count is refused).
func (h *histogram) classicBuckets(dst []bucket) ([]bucket, error) {
	dst = dst[:0]
	if err := h.validate(); err != nil {
		return nil, err
	}
	custom := h.schema == customBucketsSchema
	neg, err := spanBuckets(h.negIdx[:0], h.negSpans, h.negDeltas, h.negCounts, h.floatCounts, "negative", !custom)
	if err != nil {
		return nil, err
	}
	pos, err := spanBuckets(h.posIdx[:0], h.posSpans, h.posDeltas, h.posCounts, h.floatCounts, "positive", !custom)
	if err != nil {
		return nil, err
	}
	h.negIdx, h.posIdx = neg, pos
	if err := h.checkTotals(neg, pos); err != nil {
		return nil, err
	}
	if len(neg)+len(pos) > maxHistogramBuckets {
		return nil, v2Err("native histogram has %d buckets, more than %d", len(neg)+len(pos), maxHistogramBuckets)
	}
	if custom {
		for _, x := range pos {
			if x.index < 0 || int(x.index) > len(h.custom) {
				return nil, v2Err("native histogram positive bucket index %d is out of range", x.index)
			}
			le := math.Inf(1)
			if int(x.index) < len(h.custom) {
				le = h.custom[x.index]
			}
			dst = append(dst, bucket{le: le, count: x.count})
		}
	} else {
		for k := len(neg) - 1; k >= 0; k-- {
			dst = append(dst, bucket{le: -bound(neg[k].index-1, h.schema), count: neg[k].count})
		}
		if h.zeroCount != 0 || h.zeroThreshold != 0 {
			dst = append(dst, bucket{le: h.zeroThreshold, count: h.zeroCount})
		}
		limit := overflowIndex(h.schema)
		for _, x := range neg {
			if x.index > limit {
				return nil, v2Err("native histogram negative bucket index %d is out of range", x.index)
			}
		}
		for _, x := range pos {
			if x.index > limit {
				return nil, v2Err("native histogram positive bucket index %d is out of range", x.index)
			}
			dst = append(dst, bucket{le: bound(x.index, h.schema), count: x.count})
		}
	}
	// Buckets come out in ascending bound order except when a sender puts
	// populated buckets inside the zero threshold; a stable sort keeps the
	// cumulative counts right in that case too.
	slices.SortStableFunc(dst, func(a, b bucket) int { return cmp.Compare(a.le, b.le) })
	var sum float64
	for k := range dst {
		sum += dst[k].count
		dst[k].count = sum
	}
	if n := len(dst); n > 0 && math.IsInf(dst[n-1].le, 1) {
		dst[n-1].count = h.count
	} else {
		dst = append(dst, bucket{le: math.Inf(1), count: h.count})
	}
	return dst, nil
}

type indexed struct {
	index int32
	count float64
}

// spanBuckets expands spans into (bucket index, absolute count) pairs.
func spanBuckets(out []indexed, spans []span, deltas []int64, counts []float64, floats bool, side string, negFirst bool) ([]indexed, error) {
	total := 0
	for _, sp := range spans {
		total += int(sp.length)
		if total > maxHistogramBuckets {
			return nil, v2Err("native histogram %s spans hold more than %d buckets", side, maxHistogramBuckets)
		}
	}
	n := len(deltas)
	if floats {
		n = len(counts)
	}
	if total != n {
		return nil, v2Err("native histogram %s spans cover %d buckets but %d counts are given", side, total, n)
	}
	idx := int64(0)
	k := 0
	var running int64
	for j, sp := range spans {
		if sp.offset < 0 && (j > 0 || !negFirst) {
			return nil, v2Err("native histogram %s span %d has negative offset %d", side, j+1, sp.offset)
		}
		if j == 0 {
			idx = int64(sp.offset)
		} else {
			idx += int64(sp.offset)
		}
		for l := uint32(0); l < sp.length; l++ {
			if idx < math.MinInt32 || idx > math.MaxInt32 {
				return nil, v2Err("native histogram %s bucket index %d is out of range", side, idx)
			}
			var c float64
			if floats {
				c = counts[k]
				if c < 0 {
					return nil, v2Err("native histogram %s bucket %d count must not be negative", side, k+1)
				}
			} else {
				running += deltas[k]
				if running < 0 {
					return nil, v2Err("native histogram %s bucket count is negative", side)
				}
				c = float64(running)
			}
			out = append(out, indexed{index: int32(idx), count: c})
			k++
			idx++
		}
	}
	return out, nil
}

// bound returns the upper bound of exponential bucket index at schema:
// 2^(index * 2^-schema), computed as 2^whole * 2^(frac/2^schema) so bounds
// that are powers of two come out exact.
func bound(index int32, schema int32) float64 {
	if schema <= 0 {
		return math.Ldexp(1, int(index)<<uint(-schema))
	}
	per := int64(1) << uint(schema)
	whole := int64(index) >> uint(schema) // floor division
	frac := int64(index) - whole*per
	return math.Ldexp(math.Exp2(float64(frac)/float64(per)), int(whole))
}

// validate applies GreptimeDB's structural checks of a native histogram
// (v2.rs validate_native_histogram, native_histogram_uses_float_counts):
// schema range, one count family, custom-bucket rules.
func (h *histogram) validate() error {
	switch {
	case h.schema == customBucketsSchema:
	case h.schema >= -4 && h.schema <= 8:
	case h.schema > 8 && h.schema <= 52:
		return v2Err("native histogram schema %d must be reduced before ingestion", h.schema)
	default:
		return v2Err("native histogram schema %d is unsupported", h.schema)
	}
	if h.countInt && h.zeroFloat || h.countFloat && h.zeroInt {
		return v2Err("native histogram count and zero_count must use the same integer or float family")
	}
	floatBuckets := len(h.posCounts)+len(h.negCounts) > 0
	intBuckets := len(h.posDeltas)+len(h.negDeltas) > 0
	floatCount := h.countFloat || h.zeroFloat
	intCount := h.countInt || h.zeroInt
	switch {
	case floatBuckets && intBuckets:
		return v2Err("native histogram bucket counts must use either integer deltas or float counts")
	case floatCount && intBuckets:
		return v2Err("float native histogram must not use integer bucket deltas")
	case intCount && floatBuckets:
		return v2Err("integer native histogram must not use float bucket counts")
	}
	h.floatCounts = floatCount || floatBuckets
	if h.floatCounts && (h.count < 0 || h.zeroCount < 0) {
		return v2Err("native histogram float count must not be negative")
	}
	if h.schema != customBucketsSchema {
		if len(h.custom) > 0 {
			return v2Err("standard native histogram must not use custom_values")
		}
		return nil
	}
	if h.zeroThreshold != 0 || h.zeroCount != 0 {
		return v2Err("custom native histogram must not use a zero bucket")
	}
	if len(h.negSpans)+len(h.negDeltas)+len(h.negCounts) > 0 {
		return v2Err("custom native histogram must not use negative buckets")
	}
	for k, v := range h.custom {
		if math.IsNaN(v) || math.IsInf(v, 1) {
			return v2Err("custom native histogram custom_values must not contain +Inf or NaN")
		}
		if k > 0 && !(h.custom[k-1] < v) {
			return v2Err("custom native histogram custom_values must be sorted")
		}
	}
	return nil
}

// checkTotals requires an integer histogram's buckets to add up to its
// count (at most the count when the sum is NaN), as GreptimeDB does
// (v2.rs validate_integer_native_histogram_counts).
func (h *histogram) checkTotals(neg, pos []indexed) error {
	if h.floatCounts {
		return nil
	}
	total := h.zeroCount
	for _, x := range neg {
		total += x.count
	}
	for _, x := range pos {
		total += x.count
	}
	if total == h.count || math.IsNaN(h.sum) && total <= h.count {
		return nil
	}
	return v2Err("native histogram has %v observations in buckets, count is %v", total, h.count)
}

// overflowIndex is the largest exponential bucket index whose upper bound
// is finite: 2^(i*2^-schema) overflows float64 past 2^1024.
func overflowIndex(schema int32) int32 {
	if schema >= 0 {
		return 1024 << uint(schema)
	}
	return 1024 >> uint(-schema)
}

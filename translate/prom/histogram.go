package prom

import "math"

// Field numbers of io.prometheus.write.v2.Histogram and BucketSpan.
const (
	hCountInt      = 1
	hCountFloat    = 2
	hSum           = 3
	hSchema        = 4
	hZeroThreshold = 5
	hZeroCountInt  = 6
	hZeroCountFlt  = 7
	hNegSpans      = 8
	hNegDeltas     = 9
	hNegCounts     = 10
	hPosSpans      = 11
	hPosDeltas     = 12
	hPosCounts     = 13
	hResetHint     = 14
	hTimestamp     = 15
	hCustomValues  = 16
	hStartTS       = 17 // rc.4

	spanOffset = 1
	spanLength = 2
)

// customBucketsSchema marks native histograms with custom bounds (NHCB).
const customBucketsSchema = -53

type span struct {
	offset int32
	length uint32
}

// histogram is one decoded native histogram; slices are reused.
type histogram struct {
	count, sum, zeroThreshold, zeroCount float64
	schema                               int32
	ts                                   int64
	floatCounts                          bool
	// which oneof members were present (v2.rs
	// native_histogram_uses_float_counts checks the families agree).
	countInt, countFloat, zeroInt, zeroFloat bool
	negSpans, posSpans                       []span
	negDeltas, posDeltas                     []int64
	negCounts, posCounts                     []float64
	custom                                   []float64
}

func (h *histogram) reset() {
	h.count, h.sum, h.zeroThreshold, h.zeroCount = 0, 0, 0, 0
	h.schema, h.ts, h.floatCounts = 0, 0, false
	h.countInt, h.countFloat, h.zeroInt, h.zeroFloat = false, false, false, false
	h.negSpans, h.posSpans = h.negSpans[:0], h.posSpans[:0]
	h.negDeltas, h.posDeltas = h.negDeltas[:0], h.posDeltas[:0]
	h.negCounts, h.posCounts = h.negCounts[:0], h.posCounts[:0]
	h.custom = h.custom[:0]
}

func (h *histogram) decode(b []byte) error {
	h.reset()
	for i := 0; i < len(b); {
		num, typ, next, err := tag(b, i)
		if err != nil {
			return err
		}
		i = next
		switch {
		case typ == wireVarint && (num == hCountInt || num == hZeroCountInt || num == hSchema ||
			num == hTimestamp || num == hResetHint || num == hStartTS || num == hNegDeltas || num == hPosDeltas):
			var u uint64
			if u, i, err = varint(b, i); err != nil {
				return err
			}
			switch num {
			case hCountInt:
				h.count, h.countInt, h.countFloat = float64(u), true, false
			case hZeroCountInt:
				h.zeroCount, h.zeroInt, h.zeroFloat = float64(u), true, false
			case hSchema:
				h.schema = int32(zigzag(u))
			case hTimestamp:
				h.ts = int64(u)
			case hNegDeltas:
				h.negDeltas = append(h.negDeltas, zigzag(u))
			case hPosDeltas:
				h.posDeltas = append(h.posDeltas, zigzag(u))
			}
		case typ == wireI64 && (num == hCountFloat || num == hSum || num == hZeroThreshold ||
			num == hZeroCountFlt || num == hNegCounts || num == hPosCounts || num == hCustomValues):
			var u uint64
			if u, i, err = fixed64(b, i); err != nil {
				return err
			}
			f := math.Float64frombits(u)
			switch num {
			case hCountFloat:
				h.count, h.countFloat, h.countInt = f, true, false
			case hSum:
				h.sum = f
			case hZeroThreshold:
				h.zeroThreshold = f
			case hZeroCountFlt:
				h.zeroCount, h.zeroFloat, h.zeroInt = f, true, false
			case hNegCounts:
				h.negCounts = append(h.negCounts, f)
			case hPosCounts:
				h.posCounts = append(h.posCounts, f)
			case hCustomValues:
				h.custom = append(h.custom, f)
			}
		case typ == wireLen && (num == hNegSpans || num == hPosSpans):
			start, end, err := lenField(b, i)
			if err != nil {
				return err
			}
			sp, err := decodeSpan(b[start:end])
			if err != nil {
				return err
			}
			if num == hNegSpans {
				h.negSpans = append(h.negSpans, sp)
			} else {
				h.posSpans = append(h.posSpans, sp)
			}
			i = end
		case typ == wireLen && (num == hNegDeltas || num == hPosDeltas):
			start, end, err := lenField(b, i)
			if err != nil {
				return err
			}
			for j := start; j < end; {
				var u uint64
				if u, j, err = varint(b[:end], j); err != nil {
					return err
				}
				if num == hNegDeltas {
					h.negDeltas = append(h.negDeltas, zigzag(u))
				} else {
					h.posDeltas = append(h.posDeltas, zigzag(u))
				}
			}
			i = end
		case typ == wireLen && (num == hNegCounts || num == hPosCounts || num == hCustomValues):
			start, end, err := lenField(b, i)
			if err != nil {
				return err
			}
			if (end-start)%8 != 0 {
				return errTruncated
			}
			for j := start; j < end; j += 8 {
				u, _, _ := fixed64(b, j)
				f := math.Float64frombits(u)
				switch num {
				case hNegCounts:
					h.negCounts = append(h.negCounts, f)
				case hPosCounts:
					h.posCounts = append(h.posCounts, f)
				default:
					h.custom = append(h.custom, f)
				}
			}
			i = end
		default:
			if i, err = skip(b, i, typ); err != nil {
				return err
			}
		}
	}
	return nil
}

func decodeSpan(b []byte) (span, error) {
	var sp span
	for i := 0; i < len(b); {
		num, typ, next, err := tag(b, i)
		if err != nil {
			return sp, err
		}
		i = next
		if typ == wireVarint && (num == spanOffset || num == spanLength) {
			var u uint64
			if u, i, err = varint(b, i); err != nil {
				return sp, err
			}
			if num == spanOffset {
				sp.offset = int32(zigzag(u))
			} else {
				sp.length = uint32(u)
			}
			continue
		}
		if i, err = skip(b, i, typ); err != nil {
			return sp, err
		}
	}
	return sp, nil
}

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
	neg, err := spanBuckets(h.negSpans, h.negDeltas, h.negCounts, h.floatCounts, "negative", !custom)
	if err != nil {
		return nil, err
	}
	pos, err := spanBuckets(h.posSpans, h.posDeltas, h.posCounts, h.floatCounts, "positive", !custom)
	if err != nil {
		return nil, err
	}
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
	// Cumulate; buckets are already in ascending bound order.
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
func spanBuckets(spans []span, deltas []int64, counts []float64, floats bool, side string, negFirst bool) ([]indexed, error) {
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
	out := make([]indexed, 0, total)
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

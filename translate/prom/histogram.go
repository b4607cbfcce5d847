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
	negIdx, posIdx                           []indexed // scratch for classicBuckets
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

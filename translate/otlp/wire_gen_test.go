package otlp

import (
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/pmetric"
)

// byteSource turns fuzz input into choices; exhausted, it yields zeros.
type byteSource struct {
	b []byte
	i int
}

func (s *byteSource) next() byte {
	if s.i >= len(s.b) {
		return 0
	}
	s.i++
	return s.b[s.i-1]
}

func (s *byteSource) n(limit int) int { return int(s.next()) % limit }

// keys holds names that exercise translation: clashes, prefixes, digits,
// dots, case variants and invalid UTF-8.
var genKeys = []string{
	"service.name", "service.instance.id", "host.name", "k8s.pod.name", "Method", "method",
	"2xx", "_x", "__y", "a.b-c", "le", "job", "otel.scope", "user", "\xff\xfe", "ü.key", "",
}

var genStrs = []string{"", "GET", "checkout", "a\"b\\c\n", "ünï", "\xc3\x28", "x,y=z", "10.0.0.1"}

// genValue sets v from the source, nesting maps and arrays up to depth.
func genValue(s *byteSource, v pcommon.Value, depth int) {
	switch s.n(9) {
	case 0:
		v.SetStr(genStrs[s.n(len(genStrs))])
	case 1:
		v.SetInt(int64(int8(s.next())) * 1_000_003)
	case 2:
		vals := []float64{0, -0.5, 1e21, 1.5e-7, 3, posInf(), nan(), 123456.789}
		v.SetDouble(vals[s.n(len(vals))])
	case 3:
		v.SetBool(s.next()&1 == 1)
	case 4:
		v.SetEmptyBytes().FromRaw([]byte{s.next(), s.next()}[:s.n(3)%3])
	case 5:
		if depth > 0 {
			sl := v.SetEmptySlice()
			for i := s.n(4); i > 0; i-- {
				genValue(s, sl.AppendEmpty(), depth-1)
			}
		}
	case 6:
		if depth > 0 {
			genAttrs(s, v.SetEmptyMap(), depth-1)
		}
	case 7:
		// left empty
	default:
		v.SetStr(genKeys[s.n(len(genKeys))])
	}
}

// genAttrs fills m with up to 5 attributes, duplicates allowed (pdata keeps
// them on the wire when built through the raw slice).
func genAttrs(s *byteSource, m pcommon.Map, depth int) {
	for i := s.n(6); i > 0; i-- {
		k := genKeys[s.n(len(genKeys))]
		if _, ok := m.Get(k); ok {
			continue
		}
		genValue(s, m.PutEmpty(k), depth)
	}
}

// genMetrics builds a request of gauges and sums (and now and then another
// type) from the source.
func genMetrics(s *byteSource) pmetric.Metrics {
	md := pmetric.NewMetrics()
	for i := 1 + s.n(2); i > 0; i-- {
		rm := md.ResourceMetrics().AppendEmpty()
		genAttrs(s, rm.Resource().Attributes(), 2)
		for j := 1 + s.n(2); j > 0; j-- {
			sm := rm.ScopeMetrics().AppendEmpty()
			sm.Scope().SetName(genStrs[s.n(len(genStrs))])
			sm.Scope().SetVersion(genStrs[s.n(len(genStrs))])
			sm.SetSchemaUrl(genStrs[s.n(len(genStrs))])
			genAttrs(s, sm.Scope().Attributes(), 1)
			for k := 1 + s.n(3); k > 0; k-- {
				mt := sm.Metrics().AppendEmpty()
				names := []string{"http.requests", "cpu.util", "queue_total", "9lives", "dup", "ratio_ratio", "\xff"}
				units := []string{"", "1", "s", "By/s", "{req}", "ms"}
				mt.SetName(names[s.n(len(names))])
				mt.SetUnit(units[s.n(len(units))])
				var dps pmetric.NumberDataPointSlice
				switch s.n(7) {
				case 6:
					genExpHistogram(s, mt)
					continue
				case 4:
					genHistogram(s, mt)
					continue
				case 5:
					genSummary(s, mt)
					continue
				case 0:
					dps = mt.SetEmptyGauge().DataPoints()
				case 1, 2:
					sum := mt.SetEmptySum()
					sum.SetIsMonotonic(s.next()&1 == 1)
					sum.SetAggregationTemporality(pmetric.AggregationTemporality(s.n(3)))
					dps = sum.DataPoints()
				default:
					continue // a metric without data
				}
				for p := s.n(4); p > 0; p-- {
					dp := dps.AppendEmpty()
					dp.SetTimestamp(pcommon.Timestamp(uint64(s.next()) * 1_000_000_123))
					switch s.n(3) {
					case 0:
						dp.SetDoubleValue(float64(s.next()) / 4)
					case 1:
						dp.SetIntValue(int64(int8(s.next())))
					}
					if i := dps.Len(); i > 1 && s.n(2) == 0 {
						dps.At(i - 2).Attributes().CopyTo(dp.Attributes()) // a repeat, as most senders do
					} else {
						genAttrs(s, dp.Attributes(), 2)
					}
					if s.n(5) == 0 {
						ex := dp.Exemplars().AppendEmpty()
						ex.SetDoubleValue(1)
						ex.SetTraceID(pcommon.TraceID{1})
					}
				}
			}
		}
	}
	return md
}

// genLogs builds a logs request from the source.
func genLogs(s *byteSource) plog.Logs {
	ld := plog.NewLogs()
	for i := 1 + s.n(2); i > 0; i-- {
		rl := ld.ResourceLogs().AppendEmpty()
		rl.SetSchemaUrl(genStrs[s.n(len(genStrs))])
		genAttrs(s, rl.Resource().Attributes(), 2)
		for j := 1 + s.n(2); j > 0; j-- {
			sl := rl.ScopeLogs().AppendEmpty()
			sl.Scope().SetName(genStrs[s.n(len(genStrs))])
			sl.Scope().SetVersion(genStrs[s.n(len(genStrs))])
			sl.SetSchemaUrl(genStrs[s.n(len(genStrs))])
			genAttrs(s, sl.Scope().Attributes(), 2)
			for k := s.n(4); k > 0; k-- {
				r := sl.LogRecords().AppendEmpty()
				if s.n(2) == 0 {
					r.SetTimestamp(pcommon.Timestamp(uint64(s.next()) * 1_000_000_007))
				}
				r.SetObservedTimestamp(pcommon.Timestamp(uint64(s.next()) * 999))
				r.SetSeverityText(genStrs[s.n(len(genStrs))])
				r.SetSeverityNumber(plog.SeverityNumber(s.n(25)))
				if s.n(2) == 0 {
					r.SetTraceID(pcommon.TraceID{s.next(), 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16})
					r.SetSpanID(pcommon.SpanID{s.next(), 2, 3, 4, 5, 6, 7, 8})
				}
				r.SetFlags(plog.LogRecordFlags(s.next()))
				genValue(s, r.Body(), 3)
				if i := sl.LogRecords().Len(); i > 1 && s.n(2) == 0 {
					sl.LogRecords().At(i - 2).Attributes().CopyTo(r.Attributes())
				} else {
					genAttrs(s, r.Attributes(), 3)
				}
			}
		}
	}
	return ld
}

func genHistogram(s *byteSource, mt pmetric.Metric) {
	h := mt.SetEmptyHistogram()
	h.SetAggregationTemporality(pmetric.AggregationTemporality(s.n(3)))
	for p := s.n(3); p > 0; p-- {
		dp := h.DataPoints().AppendEmpty()
		dp.SetTimestamp(pcommon.Timestamp(uint64(s.next()) * 1_000_000_123))
		bounds := []float64{0.5, 1, posInf(), 2.5e-7, 1e22}[:s.n(6)]
		dp.ExplicitBounds().FromRaw(bounds)
		counts := make([]uint64, len(bounds)+s.n(3))
		for i := range counts {
			counts[i] = uint64(s.next())
		}
		dp.BucketCounts().FromRaw(counts)
		dp.SetCount(uint64(s.next()))
		if s.n(2) == 0 {
			dp.SetSum(float64(s.next()) / 8)
		}
		genAttrs(s, dp.Attributes(), 1)
	}
}

func genSummary(s *byteSource, mt pmetric.Metric) {
	sm := mt.SetEmptySummary()
	for p := s.n(3); p > 0; p-- {
		dp := sm.DataPoints().AppendEmpty()
		dp.SetTimestamp(pcommon.Timestamp(uint64(s.next()) * 1_000_000_123))
		for q := s.n(4); q > 0; q-- {
			qv := dp.QuantileValues().AppendEmpty()
			qv.SetQuantile(float64(s.n(5)) / 4)
			qv.SetValue(float64(s.next()))
		}
		dp.SetCount(uint64(s.next()))
		dp.SetSum(float64(s.next()))
		genAttrs(s, dp.Attributes(), 1)
	}
}

func genExpHistogram(s *byteSource, mt pmetric.Metric) {
	h := mt.SetEmptyExponentialHistogram()
	h.SetAggregationTemporality(pmetric.AggregationTemporality(s.n(3)))
	for p := s.n(3); p > 0; p-- {
		dp := h.DataPoints().AppendEmpty()
		dp.SetTimestamp(pcommon.Timestamp(uint64(s.next()) * 1_000_000_123))
		dp.SetScale(int32(s.n(5)) - 2)
		dp.SetZeroCount(uint64(s.next()))
		dp.Positive().SetOffset(int32(int8(s.next())))
		dp.Positive().BucketCounts().FromRaw([]uint64{uint64(s.next()), 300, uint64(s.next())}[:s.n(4)])
		dp.Negative().BucketCounts().FromRaw([]uint64{uint64(s.next())}[:s.n(2)])
		dp.SetCount(uint64(s.next()))
		genAttrs(s, dp.Attributes(), 1)
	}
}

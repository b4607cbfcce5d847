package prom

import (
	"math"
	"strconv"

	"github.com/greptime-bridge/greptime-bridge/writer/errs"
	"github.com/greptime-bridge/greptime-bridge/writer/table"
)

// labelLE is the classic bucket's upper-bound label.
const labelLE = "le"

// histogramsV2 writes the current series' native histograms as classic
// <metric>_bucket (one row per bucket, with le), <metric>_sum and
// <metric>_count rows: the shape GreptimeDB gives OTLP histograms
// (greptimedb-tables.md §2.2), so PromQL's histogram_quantile works on them.
// The series' metadata is recorded on all three tables.
func (c *Converter) histogramsV2(d *dbState, metric, phys []byte, hasPhys bool, mtype, unit string) error {
	s := &c.v2
	var tabs [3]*tableState
	for k, suffix := range [3]string{"_bucket", "_sum", "_count"} {
		s.tname = append(append(s.tname[:0], metric...), suffix...)
		t, err := c.table(d, s.tname, phys, hasPhys)
		if err != nil {
			return err
		}
		t.recordMeta(mtype, unit)
		tabs[k] = t
	}
	for _, hb := range s.hists {
		if err := s.h.decode(hb); err != nil {
			return wireErr(V2, "histogram", err)
		}
		var err error
		if s.buckets, err = s.h.classicBuckets(s.buckets); err != nil {
			return err
		}
		if err := c.resolve(tabs[0]); err != nil {
			return err
		}
		le, err := c.leColumn(tabs[0])
		if err != nil {
			return err
		}
		for _, bk := range s.buckets {
			s.le = appendLE(s.le[:0], bk.le)
			tabs[0].ts.AppendInt64(s.h.ts)
			tabs[0].val.AppendFloat64(bk.count)
			for _, r := range c.res {
				if r.col != le {
					r.col.AppendBytes(r.value)
				}
			}
			le.AppendBytes(s.le)
			if err := tabs[0].batch.EndRow(); err != nil {
				return errs.NewPermanent(err)
			}
		}
		for k, v := range [2]float64{s.h.sum, s.h.count} {
			t := tabs[k+1]
			if err := c.resolve(t); err != nil {
				return err
			}
			if err := c.emit(t, []int64{s.h.ts}, []float64{v}); err != nil {
				return err
			}
		}
	}
	return nil
}

// leColumn returns the bucket table's le tag column; a series label named
// le is overridden by the computed bound.
func (c *Converter) leColumn(t *tableState) (*table.Column, error) {
	if col, ok := t.colMap()[labelLE]; ok {
		return col, nil
	}
	return c.addTag(t, []byte(labelLE))
}

// appendLE formats an upper bound the way GreptimeDB formats floats: Rust's
// f64 Display, the shortest round-tripping decimal without an exponent
// ("0.005", "1", "1000000"), and "inf" / "-inf" / "NaN" for the specials
// (greptimedb-tables.md §2.2, le="inf").
func appendLE(dst []byte, f float64) []byte {
	switch {
	case math.IsInf(f, 1):
		return append(dst, "inf"...)
	case math.IsInf(f, -1):
		return append(dst, "-inf"...)
	case math.IsNaN(f):
		return append(dst, "NaN"...)
	}
	return strconv.AppendFloat(dst, f, 'f', -1, 64)
}

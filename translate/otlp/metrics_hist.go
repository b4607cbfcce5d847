package otlp

import (
	"context"

	"go.opentelemetry.io/collector/pdata/pmetric"

	"github.com/greptime-bridge/greptime-bridge/writer/table"
)

// histogram writes <name>_bucket (cumulative counts with le), <name>_sum
// (only when the point has a sum) and <name>_count (metrics.rs
// encode_histogram). le is the bound in Rust Display form, "inf" for the
// overflow bucket; a bucket past bounds+1 (malformed) gets no le, as there.
//
// GreptimeDB builds these three tables per metric and replaces an earlier
// same-named table in the request (MultiTableData::add_table_data); the
// bridge appends instead, so no point is lost.
func (c *Converter) histogram(ctx context.Context, m *metricCtx, mt pmetric.Metric, name string) error {
	dps := mt.Histogram().DataPoints()
	if dps.Len() == 0 {
		return nil
	}
	bucket := c.lazyTable(m, mt, name+"_bucket", "histogram")
	sum := c.lazyTable(m, mt, name+"_sum", "counter")
	count := c.lazyTable(m, mt, name+"_count", "counter")
	var le []byte
	for i := 0; i < dps.Len(); i++ {
		if err := c.tick(ctx); err != nil {
			return err
		}
		dp := dps.At(i)
		m.exemplars += dp.Exemplars().Len()
		if err := c.pointTags(m, dp.Attributes()); err != nil {
			return err
		}
		bounds := dp.ExplicitBounds()
		counts := dp.BucketCounts()
		var acc uint64
		for j := 0; j < counts.Len(); j++ {
			acc += counts.At(j)
			le = le[:0]
			extra := "le"
			switch {
			case j < bounds.Len():
				le = appendRustFloat(le, bounds.At(j))
			case j == bounds.Len():
				le = append(le, "inf"...)
			default:
				extra = ""
			}
			if err := c.writeRow(m, bucket(), uint64(dp.Timestamp()), extra, bytesView(le), float64(acc), true); err != nil {
				return err
			}
		}
		if dp.HasSum() {
			if err := c.writeRow(m, sum(), uint64(dp.Timestamp()), "", "", dp.Sum(), true); err != nil {
				return err
			}
		}
		if err := c.writeRow(m, count(), uint64(dp.Timestamp()), "", "", float64(dp.Count()), true); err != nil {
			return err
		}
	}
	m.out.Histograms += dps.Len()
	return nil
}

// lazyTable defers creating a table until a row needs it, so points
// without sums, buckets or quantiles create no empty batch.
func (c *Converter) lazyTable(m *metricCtx, mt pmetric.Metric, name, semType string) func() *table.Batch {
	var b *table.Batch
	return func() *table.Batch {
		if b == nil {
			b = c.table(m, pdataMeta(mt), name, semType)
		}
		return b
	}
}

// summary writes quantiles (metrics.rs encode_summary). Prom mode: <name>
// with a quantile tag, <name>_count and <name>_sum. Legacy mode: one row per
// point in <name> with fields greptime_p<q*100> and greptime_count.
func (c *Converter) summary(ctx context.Context, m *metricCtx, mt pmetric.Metric, name string) error {
	dps := mt.Summary().DataPoints()
	if dps.Len() == 0 {
		return nil
	}
	if m.legacy {
		return c.legacySummary(ctx, m, mt, name, dps)
	}
	base := c.lazyTable(m, mt, name, "summary")
	count := c.lazyTable(m, mt, name+"_count", "counter")
	sum := c.lazyTable(m, mt, name+"_sum", "counter")
	var q []byte
	for i := 0; i < dps.Len(); i++ {
		if err := c.tick(ctx); err != nil {
			return err
		}
		dp := dps.At(i)
		if err := c.pointTags(m, dp.Attributes()); err != nil {
			return err
		}
		qs := dp.QuantileValues()
		for j := 0; j < qs.Len(); j++ {
			q = appendRustFloat(q[:0], qs.At(j).Quantile())
			if err := c.writeRow(m, base(), uint64(dp.Timestamp()), "quantile", bytesView(q), qs.At(j).Value(), true); err != nil {
				return err
			}
		}
		if err := c.writeRow(m, count(), uint64(dp.Timestamp()), "", "", float64(dp.Count()), true); err != nil {
			return err
		}
		if err := c.writeRow(m, sum(), uint64(dp.Timestamp()), "", "", dp.Sum(), true); err != nil {
			return err
		}
	}
	m.out.Samples += dps.Len()
	return nil
}

// legacyQuantileColumn is Rust's format!("greptime_p{:02}", q*100.0): the
// Display form zero-padded to two characters.
func legacyQuantileColumn(q float64) string {
	s := rustFloat(q * 100)
	for len(s) < 2 {
		s = "0" + s
	}
	return "greptime_p" + s
}

func (c *Converter) legacySummary(ctx context.Context, m *metricCtx, mt pmetric.Metric, name string, dps pmetric.SummaryDataPointSlice) error {
	b := c.table(m, pdataMeta(mt), name, "summary")
	for i := 0; i < dps.Len(); i++ {
		if err := c.tick(ctx); err != nil {
			return err
		}
		dp := dps.At(i)
		if err := c.pointTags(m, dp.Attributes()); err != nil {
			return err
		}
		for _, t := range c.rowTags {
			ci, err := b.AddColumn(t.name, table.String, table.Tag)
			if err != nil {
				b.CancelRow()
				return badInput("%v", err)
			}
			b.Col(ci).AppendString(t.val)
		}
		ci, err := b.AddColumn(colTimestamp, table.TimestampNanosecond, table.Timestamp)
		if err != nil {
			b.CancelRow()
			return badInput("%v", err)
		}
		b.Col(ci).AppendInt64(int64(dp.Timestamp()))
		qs := dp.QuantileValues()
		for j := 0; j < qs.Len(); j++ {
			ci, err := b.AddColumn(legacyQuantileColumn(qs.At(j).Quantile()), table.Float64, table.Field)
			if err != nil {
				b.CancelRow()
				return badInput("%v", err)
			}
			if laterQuantile(qs, j) {
				continue // a repeated column: the later value wins (row_writer.rs)
			}
			b.Col(ci).AppendFloat64(qs.At(j).Value())
		}
		ci, err = b.AddColumn(colCount, table.Float64, table.Field)
		if err != nil {
			b.CancelRow()
			return badInput("%v", err)
		}
		b.Col(ci).AppendFloat64(float64(dp.Count()))
		if err := b.EndRow(); err != nil {
			return badInput("%v", err)
		}
	}
	m.out.Samples += dps.Len()
	return nil
}

// laterQuantile reports whether a quantile after j maps to the same column.
func laterQuantile(qs pmetric.SummaryDataPointValueAtQuantileSlice, j int) bool {
	name := legacyQuantileColumn(qs.At(j).Quantile())
	for k := j + 1; k < qs.Len(); k++ {
		if legacyQuantileColumn(qs.At(k).Quantile()) == name {
			return true
		}
	}
	return false
}

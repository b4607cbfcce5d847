package otlp

import (
	"context"
	"math"

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
	ht := c.histTables(m, pdataMeta(mt), name)
	for i := 0; i < dps.Len(); i++ {
		if err := c.tick(ctx); err != nil {
			return err
		}
		dp := dps.At(i)
		m.exemplars += dp.Exemplars().Len()
		if err := c.pointTags(m, dp.Attributes()); err != nil {
			return err
		}
		c.hBounds, c.hCounts = c.hBounds[:0], c.hCounts[:0]
		for j := 0; j < dp.ExplicitBounds().Len(); j++ {
			c.hBounds = append(c.hBounds, dp.ExplicitBounds().At(j))
		}
		for j := 0; j < dp.BucketCounts().Len(); j++ {
			c.hCounts = append(c.hCounts, dp.BucketCounts().At(j))
		}
		if err := c.histogramRows(m, &ht, uint64(dp.Timestamp()), dp.HasSum(), dp.Sum(), dp.Count()); err != nil {
			return err
		}
	}
	m.out.Histograms += dps.Len()
	return nil
}

// histTables are a histogram's three tables, created on first use.
type histTables struct{ bucket, sum, count func() *table.Batch }

func (c *Converter) histTables(m *metricCtx, meta metricMeta, name string) histTables {
	return histTables{
		bucket: c.lazyTable(m, meta, name+"_bucket", "histogram"),
		sum:    c.lazyTable(m, meta, name+"_sum", "counter"),
		count:  c.lazyTable(m, meta, name+"_count", "counter"),
	}
}

// histogramRows writes one point's rows from c.hBounds and c.hCounts, with
// the point's tags already in c.rowTags.
//
// A point's bucket rows differ only in le and the value: once one has been
// written through writeRow with le as its extra tag (no attribute named le
// replaced it), the shape it left fits the rest, and they go straight to
// writeKnown; checking each against the shape again, and searching the
// tags for le, was a tenth of the translation's CPU (12 buckets, 12
// attributes; BenchmarkHistogramWireFresh).
func (c *Converter) histogramRows(m *metricCtx, ht *histTables, ts uint64, hasSum bool, sum float64, count uint64) error {
	c.renderBounds()
	var acc uint64
	var run *rowShape
	_, rowTS := rowTime(m, ts)
	for j, n := range c.hCounts {
		acc += n
		extra, le := "le", ""
		switch {
		case j < len(c.hBounds):
			start := int32(0)
			if j > 0 {
				start = c.leEnds[j-1]
			}
			le = bytesView(c.leText[start:c.leEnds[j]])
		case j == len(c.hBounds):
			le = "inf"
		default:
			extra = ""
		}
		b := ht.bucket()
		if run != nil && extra != "" {
			if err := run.writeKnown(b, c.rowTags, rowTS, le, float64(acc)); err != nil {
				return err
			}
			continue
		}
		if err := c.writeRow(m, b, ts, extra, le, float64(acc), true); err != nil {
			return err
		}
		if sh := c.shapeFor(b); extra != "" && sh.ok && sh.extraName == extra {
			run = sh
		}
	}
	if hasSum {
		if err := c.writeRow(m, ht.sum(), ts, "", "", sum, true); err != nil {
			return err
		}
	}
	return c.writeRow(m, ht.count(), ts, "", "", float64(count), true)
}

// renderBounds sets c.leText and c.leEnds to the le text of each bound in
// c.hBounds, rendering them only when the bounds differ from the last
// point's: the points of a histogram metric share their bounds, and the
// rendering was 2.7% of the CPU under histogram load (issue #12). Bounds
// are compared by their bits, so -0 and NaN payloads render as themselves.
func (c *Converter) renderBounds() {
	if len(c.leBounds) == len(c.hBounds) {
		same := true
		for j, x := range c.hBounds {
			if math.Float64bits(x) != math.Float64bits(c.leBounds[j]) {
				same = false
				break
			}
		}
		if same {
			return
		}
	}
	c.leBounds = append(c.leBounds[:0], c.hBounds...)
	c.leText, c.leEnds = c.leText[:0], c.leEnds[:0]
	for _, x := range c.hBounds {
		c.leText = appendRustFloat(c.leText, x)
		c.leEnds = append(c.leEnds, int32(len(c.leText)))
	}
}

// lazyTable defers creating a table until a row needs it, so points
// without sums, buckets or quantiles create no empty batch.
func (c *Converter) lazyTable(m *metricCtx, meta metricMeta, name, semType string) func() *table.Batch {
	var b *table.Batch
	return func() *table.Batch {
		if b == nil {
			b = c.table(m, meta, name, semType)
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
	st := c.summaryTables(m, pdataMeta(mt), name)
	for i := 0; i < dps.Len(); i++ {
		if err := c.tick(ctx); err != nil {
			return err
		}
		dp := dps.At(i)
		if err := c.pointTags(m, dp.Attributes()); err != nil {
			return err
		}
		c.quantiles = c.quantiles[:0]
		qs := dp.QuantileValues()
		for j := 0; j < qs.Len(); j++ {
			c.quantiles = append(c.quantiles, quantileVal{qs.At(j).Quantile(), qs.At(j).Value()})
		}
		if err := c.summaryRows(m, &st, uint64(dp.Timestamp()), dp.Count(), dp.Sum()); err != nil {
			return err
		}
	}
	m.out.Samples += dps.Len()
	return nil
}

// quantileVal is one ValueAtQuantile.
type quantileVal struct{ q, v float64 }

// summaryTables are a prom-mode summary's tables, created on first use.
type summaryTables struct{ base, count, sum func() *table.Batch }

func (c *Converter) summaryTables(m *metricCtx, meta metricMeta, name string) summaryTables {
	return summaryTables{
		base:  c.lazyTable(m, meta, name, "summary"),
		count: c.lazyTable(m, meta, name+"_count", "counter"),
		sum:   c.lazyTable(m, meta, name+"_sum", "counter"),
	}
}

// summaryRows writes one point's rows from c.quantiles, with the point's
// tags already in c.rowTags.
func (c *Converter) summaryRows(m *metricCtx, st *summaryTables, ts, count uint64, sum float64) error {
	for _, q := range c.quantiles {
		c.le = appendRustFloat(c.le[:0], q.q)
		if err := c.writeRow(m, st.base(), ts, "quantile", bytesView(c.le), q.v, true); err != nil {
			return err
		}
	}
	if err := c.writeRow(m, st.count(), ts, "", "", float64(count), true); err != nil {
		return err
	}
	return c.writeRow(m, st.sum(), ts, "", "", sum, true)
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

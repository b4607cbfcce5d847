package otlp

import (
	"context"
	"math"

	"go.opentelemetry.io/collector/pdata/pmetric"
)

// expHistogram converts exponential histograms to classic _bucket/_sum/
// _count tables, a bridge option (GreptimeDB drops them). Bucket index i of
// scale s covers (base^i, base^(i+1)] with base = 2^(2^-s); the classic
// buckets, in ascending order, are the negative buckets (upper bound
// -base^i, from the largest index down), the zero bucket (upper bound the
// zero threshold), the positive buckets (upper bound base^(i+1)) and "inf"
// holding the total count. Counts are cumulative, as for histograms.
func (c *Converter) expHistogram(ctx context.Context, m *metricCtx, mt pmetric.Metric, name string) error {
	dps := mt.ExponentialHistogram().DataPoints()
	if dps.Len() == 0 {
		return nil
	}
	bucket := c.lazyTable(m, pdataMeta(mt), name+"_bucket", "histogram")
	sum := c.lazyTable(m, pdataMeta(mt), name+"_sum", "counter")
	count := c.lazyTable(m, pdataMeta(mt), name+"_count", "counter")
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
		ts := uint64(dp.Timestamp())
		factor := math.Exp2(-float64(dp.Scale()))
		bound := func(idx int64) float64 { return math.Exp2(float64(idx) * factor) }
		var acc uint64
		emit := func(upper float64, n uint64) error {
			acc += n
			le = appendRustFloat(le[:0], upper)
			return c.writeRow(m, bucket(), ts, "le", bytesView(le), float64(acc), true)
		}
		neg := dp.Negative()
		for j := neg.BucketCounts().Len() - 1; j >= 0; j-- {
			if err := emit(-bound(int64(neg.Offset())+int64(j)), neg.BucketCounts().At(j)); err != nil {
				return err
			}
		}
		if err := emit(dp.ZeroThreshold(), dp.ZeroCount()); err != nil {
			return err
		}
		pos := dp.Positive()
		for j := 0; j < pos.BucketCounts().Len(); j++ {
			if err := emit(bound(int64(pos.Offset())+int64(j)+1), pos.BucketCounts().At(j)); err != nil {
				return err
			}
		}
		le = append(le[:0], "inf"...)
		if err := c.writeRow(m, bucket(), ts, "le", bytesView(le), float64(dp.Count()), true); err != nil {
			return err
		}
		if dp.HasSum() {
			if err := c.writeRow(m, sum(), ts, "", "", dp.Sum(), true); err != nil {
				return err
			}
		}
		if err := c.writeRow(m, count(), ts, "", "", float64(dp.Count()), true); err != nil {
			return err
		}
	}
	m.out.Histograms += dps.Len()
	return nil
}

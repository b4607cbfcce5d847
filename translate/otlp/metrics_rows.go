package otlp

import (
	"context"
	"strconv"
	"unsafe"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/pmetric"

	"github.com/greptime-bridge/greptime-bridge/writer/table"
)

func appendInt(b []byte, v int64) []byte { return strconv.AppendInt(b, v, 10) }

// bytesView returns b as a string without copying. The caller never
// modifies the bytes afterwards (buffers only grow or are truncated for the
// next row, after the row's strings have been copied into columns).
func bytesView(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	return unsafe.String(&b[0], len(b))
}

// pointTags merges a point's attributes over the resource and scope tags.
func (c *Converter) pointTags(m *metricCtx, attrs pcommon.Map) error {
	c.rowTags = append(c.rowTags[:0], c.baseTags...)
	c.rowBuf = c.rowBuf[:0]
	for k, v := range attrs.All() {
		if err := c.addAttr(m, &c.rowTags, &c.rowBuf, k, v, ""); err != nil {
			return err
		}
	}
	return nil
}

// writeRow appends one row: the tags, the time index, an optional extra tag
// (le or quantile, which metrics.rs writes after the timestamp), and the
// value field. A NaN value pointer means "no value" (NULL).
func (c *Converter) writeRow(m *metricCtx, b *table.Batch, tsNano uint64, extraName, extraVal string, value float64, hasValue bool) error {
	if extraName != "" {
		for i := range c.rowTags {
			if c.rowTags[i].name == extraName {
				c.rowTags[i].val = extraVal
				extraName = ""
				break
			}
		}
	}
	for _, t := range c.rowTags {
		i, err := b.AddColumn(t.name, table.String, table.Tag)
		if err != nil {
			b.CancelRow()
			return badInput("%v", err)
		}
		b.Col(i).AppendString(t.val)
	}
	var tsType table.DataType
	var ts int64
	if m.legacy {
		tsType, ts = table.TimestampNanosecond, int64(tsNano)
	} else {
		// metrics.rs write_timestamp: nanoseconds / 1_000_000, truncated.
		tsType, ts = table.TimestampMillisecond, int64(tsNano)/1_000_000
	}
	i, err := b.AddColumn(colTimestamp, tsType, table.Timestamp)
	if err != nil {
		b.CancelRow()
		return badInput("%v", err)
	}
	b.Col(i).AppendInt64(ts)
	if extraName != "" {
		i, err := b.AddColumn(extraName, table.String, table.Tag)
		if err != nil {
			b.CancelRow()
			return badInput("%v", err)
		}
		b.Col(i).AppendString(extraVal)
	}
	if hasValue {
		i, err := b.AddColumn(colValue, table.Float64, table.Field)
		if err != nil {
			b.CancelRow()
			return badInput("%v", err)
		}
		b.Col(i).AppendFloat64(value)
	}
	if err := b.EndRow(); err != nil {
		return badInput("%v", err)
	}
	return nil
}

// numberPoints writes gauge and sum points (metrics.rs encode_gauge /
// encode_sum): as_int cast to f64, a point without a value leaves
// greptime_value NULL.
func (c *Converter) numberPoints(ctx context.Context, m *metricCtx, mt pmetric.Metric, name, semType string, dps pmetric.NumberDataPointSlice) error {
	if dps.Len() == 0 {
		return nil
	}
	b := c.table(m, mt, name, semType)
	for i := 0; i < dps.Len(); i++ {
		if err := c.tick(ctx); err != nil {
			return err
		}
		dp := dps.At(i)
		if err := c.pointTags(m, dp.Attributes()); err != nil {
			return err
		}
		var v float64
		has := true
		switch dp.ValueType() {
		case pmetric.NumberDataPointValueTypeInt:
			v = float64(dp.IntValue())
		case pmetric.NumberDataPointValueTypeDouble:
			v = dp.DoubleValue()
		default:
			has = false
		}
		if err := c.writeRow(m, b, uint64(dp.Timestamp()), "", "", v, has); err != nil {
			return err
		}
	}
	m.out.Samples += dps.Len()
	return nil
}

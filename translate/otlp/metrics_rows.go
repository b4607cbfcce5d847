package otlp

import (
	"context"
	"strconv"
	"strings"
	"unsafe"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/pmetric"

	"github.com/greptime-bridge/greptime-bridge/writer/table"
)

func appendInt(b []byte, v int64) []byte { return strconv.AppendInt(b, v, 10) }

// bytesView returns b as a string without copying. The caller never
// modifies the bytes afterwards (buffers only grow or are truncated for the
// next row, after the row's strings have been copied into columns; a
// request body stays unchanged while it is translated). Anything kept
// beyond the request (cache keys, hints) is cloned first.
func bytesView(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	return unsafe.String(&b[0], len(b))
}

// attrVal is the part of an attribute value metric tags use, whichever
// path (pdata or wire) decoded it.
type attrVal struct {
	typ pcommon.ValueType
	s   string
	i   int64
	f   float64
}

// pdataAttr returns the attrVal of a pdata value.
func pdataAttr(v pcommon.Value) attrVal {
	switch t := v.Type(); t {
	case pcommon.ValueTypeStr:
		return attrVal{typ: t, s: v.Str()}
	case pcommon.ValueTypeInt:
		return attrVal{typ: t, i: v.Int()}
	case pcommon.ValueTypeDouble:
		return attrVal{typ: t, f: v.Double()}
	default:
		return attrVal{typ: t}
	}
}

// pointTags merges a point's attributes over the resource and scope tags.
func (c *Converter) pointTags(m *metricCtx, attrs pcommon.Map) error {
	c.startPointTags()
	pos := 0
	for k, v := range attrs.All() {
		if err := c.pointTag(m, &pos, k, pdataAttr(v)); err != nil {
			return err
		}
	}
	return nil
}

// startPointTags begins a point's tags from the resource and scope tags.
func (c *Converter) startPointTags() {
	c.ptMemoOK, c.rowPure = false, true
	c.rowTags = append(c.rowTags[:0], c.baseTags...)
	c.rowBuf = c.rowBuf[:0]
	c.tagIdxOK = false
}

// pointTag adds one point attribute at position *pos. Points of one metric
// usually repeat the same keys in the same order, so the translated name of
// the key at each position is memoised.
func (c *Converter) pointTag(m *metricCtx, pos *int, k string, v attrVal) error {
	var val string
	switch v.typ {
	case pcommon.ValueTypeStr:
		// The wire path checks values as UTF-8 with the rest of their
		// columns after each metric (checkRowsSince), or here if a later
		// attribute of the same name replaces one (putTag).
		val = v.s
		if !m.wire {
			if err := checkUTF8Of("attribute", k, val); err != nil {
				return err
			}
		}
	case pcommon.ValueTypeInt, pcommon.ValueTypeDouble:
		start := len(c.rowBuf)
		if v.typ == pcommon.ValueTypeInt {
			c.rowBuf = appendInt(c.rowBuf, v.i)
		} else {
			c.rowBuf = appendRustFloat(c.rowBuf, v.f)
		}
		val = bytesView(c.rowBuf[start:])
	case pcommon.ValueTypeEmpty:
		return nil
	default:
		m.droppedAttrs++ // bool, bytes, arrays and maps: not stored (metrics.rs)
		return nil
	}
	p := *pos
	*pos = p + 1
	if p < len(c.keyMemo) && c.keyMemo[p].raw == k && c.keyMemo[p].legacy == m.legacy && c.keyMemo[p].st == m.opts.Strategy {
		e := &c.keyMemo[p]
		if e.appended && e.gen == c.baseGen {
			// The same base tags and the same names before this one as
			// when the entry was made: the name is new in this row, so
			// putTag's search for a clash can be skipped (it was a fifth
			// of a point's cost with 12 attributes).
			c.rowTags = append(c.rowTags, tag{e.name, val})
			return nil
		}
		return c.putPointTag(e, val)
	}
	c.rowPure = false
	if err := checkUTF8("attribute key", k); err != nil {
		return err
	}
	var name string
	if m.legacy {
		name = c.legacy(k)
	} else {
		name = c.label(k, m.opts.Strategy)
	}
	// Entries past p were made after other names at p: drop them, so each
	// entry describes the names before it. The memo outlives the request,
	// and k may point into its body.
	c.keyMemo = append(c.keyMemo[:p], keyMemo{raw: strings.Clone(k), name: name, legacy: m.legacy, st: m.opts.Strategy})
	return c.putPointTag(&c.keyMemo[p], val)
}

// putPointTag adds a memoised tag through putTag and records whether it
// was new in the row.
func (c *Converter) putPointTag(e *keyMemo, val string) error {
	// The entry changes: rows built from the memo before are told apart
	// from those after (rowSig).
	c.rowPure = false
	c.memoEpoch++
	n := len(c.rowTags)
	if err := c.putTag(&c.rowTags, e.name, val); err != nil {
		return err
	}
	e.appended, e.gen = len(c.rowTags) > n, c.baseGen
	return nil
}

// keyMemo remembers the translated name of the attribute key last seen at
// one position of a point's attributes.
type keyMemo struct {
	raw, name string
	legacy    bool
	st        Strategy
	// appended says the tag was new in its row when last added, under the
	// base tags of generation gen.
	appended bool
	gen      uint64
}

// column returns the index of column name in b, using *cached when valid.
func column(b *table.Batch, cached *int, name string, typ table.DataType, sem table.SemanticType) (int, error) {
	if i := *cached; i >= 0 && i < b.NumColumns() {
		if c := b.Col(i); c.Name == name && c.Type == typ && c.Semantic == sem {
			return i, nil
		}
	}
	i, err := b.AddColumn(name, typ, sem)
	if err != nil {
		return 0, err
	}
	*cached = i
	return i, nil
}

// rowTime is a row's time index type and value (metrics.rs
// write_timestamp: milliseconds, truncated; nanoseconds in legacy mode).
func rowTime(m *metricCtx, tsNano uint64) (table.DataType, int64) {
	if m.legacy {
		return table.TimestampNanosecond, int64(tsNano)
	}
	return table.TimestampMillisecond, int64(tsNano) / 1_000_000
}

// writeRow appends one row: the tags, the time index, an optional extra tag
// (le or quantile, which metrics.rs writes after the timestamp), and the
// value field (NULL when hasValue is false).
func (c *Converter) writeRow(m *metricCtx, b *table.Batch, tsNano uint64, extraName, extraVal string, value float64, hasValue bool) error {
	if extraName != "" {
		for i := range c.rowTags {
			if c.rowTags[i].name == extraName {
				// An attribute named le or quantile is replaced, never
				// written: replaceTag checks it as UTF-8.
				if err := replaceTag(&c.rowTags[i], extraVal); err != nil {
					return err
				}
				extraName = ""
				break
			}
		}
	}
	tsType, ts := rowTime(m, tsNano)
	sh := c.shapeFor(b)
	sig := rowSig{epoch: c.memoEpoch, gen: c.baseGen, n: len(c.rowTags), ok: c.rowPure}
	if sh.fits(b, c.rowTags, sig, tsType, extraName, hasValue) {
		return sh.writeKnown(b, c.rowTags, ts, extraVal, value)
	}
	sh.ok = false
	for len(sh.tags) < len(c.rowTags) {
		sh.tags = append(sh.tags, -1)
	}
	// A row with far more tags than the table has columns (first sight of
	// a huge resource) reserves them at once; Grow ignores small counts.
	b.Grow(len(c.rowTags) + 3 - b.NumColumns())
	fail := func(err error) error {
		b.CancelRow()
		return badInput("%v", err)
	}
	for j, t := range c.rowTags {
		i, err := column(b, &sh.tags[j], t.name, table.String, table.Tag)
		if err != nil {
			return fail(err)
		}
		b.Col(i).AppendString(t.val)
	}
	i, err := column(b, &sh.ts, colTimestamp, tsType, table.Timestamp)
	if err != nil {
		return fail(err)
	}
	b.Col(i).AppendInt64(ts)
	if extraName != "" {
		i, err := column(b, &sh.extra, extraName, table.String, table.Tag)
		if err != nil {
			return fail(err)
		}
		b.Col(i).AppendString(extraVal)
	}
	if hasValue {
		i, err := column(b, &sh.value, colValue, table.Float64, table.Field)
		if err != nil {
			return fail(err)
		}
		b.Col(i).AppendFloat64(value)
	}
	if err := b.EndRow(); err != nil {
		return badInput("%v", err)
	}
	sh.verified(b, c.rowTags, sig, tsType, extraName, hasValue)
	return nil
}

// numberPoints writes gauge and sum points (metrics.rs encode_gauge /
// encode_sum): as_int cast to f64, a point without a value leaves
// greptime_value NULL.
func (c *Converter) numberPoints(ctx context.Context, m *metricCtx, mt pmetric.Metric, name, semType string, dps pmetric.NumberDataPointSlice) error {
	if dps.Len() == 0 {
		return nil
	}
	b := c.table(m, pdataMeta(mt), name, semType)
	for i := 0; i < dps.Len(); i++ {
		if err := c.tick(ctx); err != nil {
			return err
		}
		dp := dps.At(i)
		m.exemplars += dp.Exemplars().Len()
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

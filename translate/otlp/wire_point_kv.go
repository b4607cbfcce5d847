package otlp

import (
	"bytes"

	"go.opentelemetry.io/collector/pdata/pcommon"
)

// kvMemo remembers the KeyValue bytes last seen at one position of a
// point's attributes (a view into the request) when they gave a string tag
// that was new in its row: key is the attribute key, val the tag value.
type kvMemo struct {
	raw      []byte
	key, val string
}

// wirePointKV adds the tag of one point attribute, given as its KeyValue
// bytes kb, at position *pos. The points of one metric mostly repeat the
// previous point's attributes, all but one or two of them byte for byte
// (a series label differs); an attribute whose bytes equal those of the
// previous point's attribute at the same position gives the same key and
// value, already decoded and checked as UTF-8, so the tag is appended as
// pointTag's memoised path would append it, without decoding again (the
// decode and check were a tenth of the bridge's CPU under otlp-sum load
// with 12 attributes, issue #12). Only string values are remembered:
// numbers render into a buffer that each point rebuilds.
func (c *Converter) wirePointKV(m *metricCtx, pos *int, kb []byte, v *anyVal) error {
	p := *pos
	if p < len(c.kvMemo) && p < len(c.keyMemo) {
		e, km := &c.kvMemo[p], &c.keyMemo[p]
		// The key memo entry must be the one pointTag would use and take
		// its append-without-search path (see pointTag).
		if e.raw != nil && km.raw == e.key && km.legacy == m.legacy && km.st == m.opts.Strategy &&
			km.appended && km.gen == c.baseGen && bytes.Equal(kb, e.raw) {
			c.rowTags = append(c.rowTags, tag{km.name, e.val})
			*pos = p + 1
			return nil
		}
	}
	key, err := decodeKV(kb, 0, v)
	if err != nil {
		return err
	}
	n := len(c.rowTags)
	if err := c.pointTag(m, pos, bytesView(key), v.attr()); err != nil {
		return err
	}
	for len(c.kvMemo) <= p {
		c.kvMemo = append(c.kvMemo, kvMemo{})
	}
	e := &c.kvMemo[p]
	*e = kvMemo{}
	if v.typ == pcommon.ValueTypeStr && *pos == p+1 && len(c.rowTags) == n+1 {
		*e = kvMemo{raw: kb, key: bytesView(key), val: c.rowTags[n].val}
	}
	return nil
}

package otlp

import (
	"slices"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/pmetric"

	"github.com/greptime-bridge/greptime-bridge/translate"
	"github.com/greptime-bridge/greptime-bridge/writer/table"
)

// resourceTags builds the resource part of every row's tags
// (metrics.rs process_resource_attrs): job/instance copies appended after
// the promoted attributes, nothing dropped in legacy mode.
func (c *Converter) resourceTags(m *metricCtx, attrs pcommon.Map) error {
	c.startResourceTags()
	c.reserveResourceTags(m, attrs.Len())
	var rs resourceState
	for k, v := range attrs.All() {
		if err := c.resourceAttr(m, &rs, k, pdataAttr(v)); err != nil {
			return err
		}
	}
	return c.endResourceTags(m, &rs)
}

// resourceState carries the job and instance sources across a resource's
// attributes.
type resourceState struct {
	job, inst       attrVal
	hasJob, hasInst bool
}

func (c *Converter) startResourceTags() {
	c.resTags, c.resBuf = c.resTags[:0], c.resBuf[:0]
	c.tagIdxOK = false
}

// resourceAttr adds one resource attribute if it is promoted.
func (c *Converter) resourceAttr(m *metricCtx, rs *resourceState, k string, v attrVal) error {
	if !m.legacy {
		switch k {
		case "service.name":
			rs.job, rs.hasJob = v, true
		case "service.instance.id":
			rs.inst, rs.hasInst = v, true
		}
		_, listed := c.promote[k]
		if m.opts.PromoteAllResourceAttrs == listed {
			// promote-all: listed means ignored; otherwise listed
			// means promoted on top of the defaults.
			if m.opts.PromoteAllResourceAttrs {
				return nil
			}
			if _, def := defaultPromoted[k]; !def {
				return nil
			}
		}
	}
	return c.addAttr(m, &c.resTags, &c.resBuf, k, v, "")
}

// reserveResourceTags sizes the resource's tag list and the tag index for
// n attributes when n is large and every attribute becomes a tag (legacy
// mode, promote-all): a first request of 200,000 attributes would
// otherwise grow both through every power of two. Otherwise only the
// listed attributes become tags, and sizing for all of them would let a
// resource of empty attributes reserve some 30 times its wire size for
// nothing. Reset drops them again.
func (c *Converter) reserveResourceTags(m *metricCtx, n int) {
	if n <= largeRequestColumns || !resourceAttrsAllTags(m) {
		return
	}
	c.resTags = slices.Grow(c.resTags, n+2) // + job and instance
	if len(c.tagIdx) < n {
		c.tagIdx = make(map[string]int, n+2)
	}
}

// resourceAttrsAllTags reports whether every resource attribute of m's
// request becomes a tag (see resourceAttr).
func resourceAttrsAllTags(m *metricCtx) bool {
	return m.legacy || m.opts.PromoteAllResourceAttrs
}

// endResourceTags appends the job and instance copies.
func (c *Converter) endResourceTags(m *metricCtx, rs *resourceState) error {
	if rs.hasJob {
		if err := c.addAttr(m, &c.resTags, &c.resBuf, "job", rs.job, ""); err != nil {
			return err
		}
	}
	if rs.hasInst {
		if err := c.addAttr(m, &c.resTags, &c.resBuf, "instance", rs.inst, ""); err != nil {
			return err
		}
	}
	return nil
}

// scopeTags builds the resource+scope tags shared by a scope's points
// (metrics.rs process_scope_attrs): in prom mode only with the promote
// header, as otel_scope_<key> plus name, version and schema_url; in legacy
// mode every scope attribute.
func (c *Converter) scopeTags(m *metricCtx, sm pmetric.ScopeMetrics) error {
	c.baseTags = append(c.baseTags[:0], c.resTags...)
	c.baseGen++
	c.tagIdxOK = false
	c.scopeBuf = c.scopeBuf[:0]
	if m.legacy {
		for k, v := range sm.Scope().Attributes().All() {
			if err := c.addAttr(m, &c.baseTags, &c.scopeBuf, k, pdataAttr(v), ""); err != nil {
				return err
			}
		}
		return nil
	}
	if !m.opts.PromoteScopeAttrs {
		return nil
	}
	s := sm.Scope()
	for k, v := range s.Attributes().All() {
		if err := c.addAttr(m, &c.baseTags, &c.scopeBuf, k, pdataAttr(v), "otel_scope_"); err != nil {
			return err
		}
	}
	return c.scopeFieldTags(m, s.Name(), s.Version(), sm.SchemaUrl())
}

// scopeFieldTags adds otel_scope_name, _version and _schema_url.
func (c *Converter) scopeFieldTags(m *metricCtx, name, version, schemaURL string) error {
	for _, kv := range [3][2]string{{"name", name}, {"version", version}, {"schema_url", schemaURL}} {
		if err := checkUTF8Of("scope field", kv[0], kv[1]); err != nil {
			return err
		}
		if err := c.putTag(&c.baseTags, "otel_scope_"+c.label(kv[0], m.opts.Strategy), kv[1]); err != nil {
			return err
		}
	}
	return nil
}

// addAttr appends one attribute as a tag, formatted as metrics.rs
// write_attributes does: strings raw, ints as decimal text, doubles in Rust
// Display form; bool, bytes, arrays and maps are dropped.
func (c *Converter) addAttr(m *metricCtx, tags *[]tag, buf *[]byte, key string, v attrVal, prefix string) error {
	var val string
	switch v.typ {
	case pcommon.ValueTypeStr:
		val = v.s
		if err := checkUTF8Of("attribute", key, val); err != nil {
			return err
		}
	case pcommon.ValueTypeInt, pcommon.ValueTypeDouble:
		start := len(*buf)
		if v.typ == pcommon.ValueTypeInt {
			*buf = appendInt(*buf, v.i)
		} else {
			*buf = appendRustFloat(*buf, v.f)
		}
		val = bytesView((*buf)[start:])
	case pcommon.ValueTypeEmpty:
		return nil
	default:
		m.droppedAttrs++ // bool, bytes, arrays and maps: not stored (metrics.rs)
		return nil
	}
	if err := checkUTF8("attribute key", key); err != nil {
		return err
	}
	var name string
	if m.legacy {
		name = c.legacy(key)
	} else {
		name = c.label(key, m.opts.Strategy)
		if prefix != "" {
			name = prefix + name
		}
	}
	return c.putTag(tags, name, val)
}

// putTag sets name to val: a later value wins on a clash but the column
// keeps the position of its first appearance (row_writer.rs write_tags).
func (c *Converter) putTag(tags *[]tag, name, val string) error {
	ts := *tags
	if len(ts) > 32 {
		if c.tagIdx == nil {
			c.tagIdx = make(map[string]int)
		}
		if !c.tagIdxOK || len(c.tagIdx) != len(ts) {
			c.tagIdxOK = true
			clear(c.tagIdx)
			for i, t := range ts {
				c.tagIdx[t.name] = i
			}
		}
		if i, ok := c.tagIdx[name]; ok {
			return replaceTag(&ts[i], val)
		}
		c.tagIdx[name] = len(ts)
		ts = append(ts, tag{name, val})
		*tags = ts
		return nil
	}
	for i := range ts {
		if ts[i].name == name {
			return replaceTag(&ts[i], val)
		}
	}
	ts = append(ts, tag{name, val})
	*tags = ts
	return nil
}

// replaceTag gives t the value val. The value replaced is never written,
// so it is checked as UTF-8 here: GreptimeDB's decoder refuses a request
// with any invalid string, written or not, and point attributes are
// otherwise checked only in their columns (checkTagValues).
func replaceTag(t *tag, val string) error {
	if err := checkUTF8Of("attribute", t.name, t.val); err != nil {
		return err
	}
	t.val = val
	return nil
}

// markTagValuesChecked marks every string column of a metrics
// translation UTF8Checked, so the writer does not scan it again: each
// value was checked where it was made (resource and scope attributes; a
// point attribute in pointTag, or on the wire path with its column after
// each metric, checkRowsSince) or rendered as ASCII (numbers, le,
// quantile). The writer's scan was 1.1% of the bridge's CPU under
// otlp-sum load (issue #12).
func markTagValuesChecked(out *translate.Output) {
	for _, b := range out.Batches {
		for _, col := range b.Columns() {
			if col.Type == table.String {
				col.UTF8Checked = true
			}
		}
	}
}

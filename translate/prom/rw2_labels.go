package prom

import (
	"bytes"

	"github.com/greptime-bridge/greptime-bridge/translate"
)

// labelsV2 resolves the series' label refs: names are validated, repeated
// names refused, special labels routed (v2.rs resolve_series_labels).
func (c *Converter) labelsV2() (metric, db, phys []byte, hasDB, hasPhys bool, err error) {
	var sp specialLabels
	s := &c.v2
	c.labels = c.labels[:0]
	if len(s.refs)%2 != 0 {
		return nil, nil, nil, false, false, v2Err("labels_refs must contain name/value pairs, got %d refs", len(s.refs))
	}
	if limit := c.opts.Limits.MaxLabelsPerSeries; translate.Over(len(s.refs)/2, limit) {
		// Refused before the refs are resolved: the count is known.
		return nil, nil, nil, false, false, translate.Exceeded(translate.LimitLabelsPerSeries, limit, len(s.refs)/2, "remote write 2.0 series labels")
	}
	useMap := len(s.refs)/2 > dupScanMax
	filled := false
	var prev []byte
	sorted := true
	for k := 0; k < len(s.refs); k += 2 {
		name, err := c.symbol(s.refs[k], "label name")
		if err != nil {
			return nil, nil, nil, false, false, err
		}
		value, err := c.symbol(s.refs[k+1], "label value")
		if err != nil {
			return nil, nil, nil, false, false, err
		}
		if !c.validName(s.refs[k], name) && (c.opts.LabelNames != LabelNamesSanitize || len(name) == 0) {
			return nil, nil, nil, false, false, invalidLabelName(V2, name)
		}
		// Senders sort label names (spec: "sorted lexicographically"), and
		// strictly increasing names cannot repeat; only unsorted sets pay
		// for the search.
		if sorted && k > 0 && bytes.Compare(prev, name) >= 0 {
			sorted = false
		}
		if !sorted && c.repeated(name, k, useMap, &filled) {
			return nil, nil, nil, false, false, v2Err("label name %q is repeated", name)
		}
		prev = name
		if !maybeSpecial(name) {
			c.pushLabel(name, value)
			continue
		}
		if string(name) == internalHistogramColumn {
			return nil, nil, nil, false, false, v2Err("label %q conflicts with an internal native histogram label", name)
		}
		if !sp.take(name, value) {
			c.pushLabel(name, value)
		}
	}
	metric, db, phys, hasDB, hasPhys = sp.metric, sp.db, sp.phys, sp.hasDB, sp.hasPhys
	hasMetric := sp.hasMetric
	if err := c.checkShape(len(s.refs)/2, &sp, false); err != nil {
		return nil, nil, nil, false, false, err
	}
	if !hasMetric {
		return nil, nil, nil, false, false, v2Err("missing %q label in time series (labels: %s)", labelName, c.labelList())
	}
	if len(metric) == 0 {
		return nil, nil, nil, false, false, v2Err("label %q value must not be empty", labelName)
	}
	if c.checked {
		return metric, db, phys, hasDB, hasPhys, nil
	}
	if metric, err = checkValue(c.opts.UTF8, V2, bName, metric, &c.scratch); err != nil {
		return nil, nil, nil, false, false, err
	}
	if hasDB {
		if db, err = checkValue(c.opts.UTF8, V2, bDatabase, db, &c.scratch); err != nil {
			return nil, nil, nil, false, false, err
		}
	}
	if hasPhys {
		if phys, err = checkValue(c.opts.UTF8, V2, bPhysical, phys, &c.scratch); err != nil {
			return nil, nil, nil, false, false, err
		}
	}
	return metric, db, phys, hasDB, hasPhys, nil
}

// repeated reports whether the label name at refs[k] appeared earlier in
// the series.
func (c *Converter) repeated(name []byte, k int, useMap bool, filled *bool) bool {
	s := &c.v2
	if !useMap {
		for j := 0; j < k; j += 2 {
			if bytes.Equal(s.symbols[s.refs[j]], name) {
				return true
			}
		}
		return false
	}
	if !*filled {
		// First unsorted name of a large set: index the names so far.
		if s.names == nil {
			s.names = make(map[string]struct{})
		}
		clear(s.names)
		for j := 0; j < k; j += 2 {
			s.names[c.str(s.symbols[s.refs[j]])] = struct{}{}
		}
		*filled = true
	}
	if _, ok := s.names[string(name)]; ok {
		return true
	}
	s.names[c.str(name)] = struct{}{}
	return false
}

func (c *Converter) symbol(ref uint32, field string) ([]byte, error) {
	if int64(ref) >= int64(len(c.v2.symbols)) {
		return nil, v2Err("%s symbol reference %d is out of range, symbols len: %d", field, ref, len(c.v2.symbols))
	}
	return c.v2.symbols[ref], nil
}

// metaV2 validates the metadata refs and returns the metric type and UCUM
// unit to record (v2.rs record_series_metadata: help is checked, not kept;
// an unknown unit is dropped; UNSPECIFIED declares nothing).
func (c *Converter) metaV2(m *seriesMeta) (mtype, unit string, err error) {
	if m.help != 0 {
		if _, err := c.symbol(m.help, "metadata help"); err != nil {
			return "", "", err
		}
	}
	if m.unit != 0 {
		u, err := c.symbol(m.unit, "metadata unit")
		if err != nil {
			return "", "", err
		}
		unit = ucumUnit(bytes.TrimSpace(u))
	}
	if m.typ < uint64(len(metricTypes)) {
		mtype = metricTypes[m.typ]
	}
	return mtype, unit, nil
}

func (m *seriesMeta) decode(b []byte) error {
	for i := 0; i < len(b); {
		num, typ, next, err := tag(b, i)
		if err != nil {
			return err
		}
		i = next
		if typ == wireVarint && (num == v2MetaType || num == v2MetaHelpRef || num == v2MetaUnitRef) {
			var u uint64
			if u, i, err = varint(b, i); err != nil {
				return err
			}
			switch num {
			case v2MetaType:
				m.typ = u
			case v2MetaHelpRef:
				m.help = uint32(u)
			case v2MetaUnitRef:
				m.unit = uint32(u)
			}
			continue
		}
		if num == v2MetaType || num == v2MetaHelpRef || num == v2MetaUnitRef {
			return errWireType
		}
		if i, err = skip(b, i, typ); err != nil {
			return err
		}
	}
	return nil
}

// validName is validLabelName memoised per symbol for this request.
func (c *Converter) validName(ref uint32, name []byte) bool {
	v := &c.v2.valid[ref]
	if *v == 0 {
		*v = 2
		if validLabelName(name) {
			*v = 1
		}
	}
	return *v == 1
}

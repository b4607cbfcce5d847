package prom

import (
	"fmt"

	"github.com/greptime-bridge/greptime-bridge/writer/errs"
	"github.com/greptime-bridge/greptime-bridge/writer/table"
)

// resolve maps the current series' labels onto columns of t, adding tag
// columns on first sight and validating names and values. A label name
// repeated in a remote write 1.0 series is refused (see repeatedName);
// distinct names that sanitise to one column keep the last value, as
// GreptimeDB keeps the last of a repeated name (row_builder.rs
// add_labels_and_samples overwrites the row slot).
func (c *Converter) resolve(t *tableState) error {
	c.seq++
	if c.seq < 0 {
		c.seq = 1
		clear(t.stamp)
	}
	c.res, c.direct = c.res[:0], nil
	same := c.sameNames(t)
	if !same && t.layout != nil && t.prevSeq == 0 && t.batch.NumColumns() == 2 && t.layout.matches(c.labels) {
		// The table's first series in this request has the names its
		// last series had in an earlier one (layout.go).
		if err := c.addLayout(t); err != nil {
			return err
		}
		same = true
	}
	if same {
		// Same label names as this table's previous series (the common
		// case: series of one metric share their label set): reuse its
		// columns and only check the values. Values already known valid
		// are appended straight from c.labels (remote write 1.0 only:
		// native-histogram rows read c.res).
		if c.checked && c.ver == V1 {
			c.direct = t.prevCols
			return nil
		}
		for k, l := range c.labels {
			v := l.value
			if !c.checked {
				var err error
				if v, err = checkValue(c.opts.UTF8, c.ver, l.name, l.value, &c.scratch); err != nil {
					return err
				}
			}
			c.pushRes(t.prevCols[k], v)
		}
		return nil
	}
	// Names that differ from the table's previous series are checked for
	// repeats; the same names as a series that passed cannot repeat.
	if c.ver == V1 {
		if name := c.repeatedName(); name != nil {
			return errRepeated(c.ver, name)
		}
	}
	for _, l := range c.labels {
		col, ok := t.colMap()[string(l.name)]
		if !ok {
			var err error
			if col, err = c.addTag(t, l.name); err != nil {
				return err
			}
		}
		v := l.value
		if !c.checked {
			var err error
			if v, err = checkValue(c.opts.UTF8, c.ver, l.name, l.value, &c.scratch); err != nil {
				return err
			}
		}
		if c.duplicate(t, col, v, len(c.labels) > dupScanMax) {
			continue
		}
		c.pushRes(col, v)
	}
	c.remember(t)
	return nil
}

// sameNames reports whether the current series has exactly the label names
// of t's previous series, in order.
func (c *Converter) sameNames(t *tableState) bool {
	if len(t.prevNames) != len(c.labels) || t.prevSeq == 0 {
		return false
	}
	for k, l := range c.labels {
		if string(t.prevNames[k]) != string(l.name) {
			return false
		}
	}
	return true
}

// remember keeps the current series' names and columns for sameNames,
// unless a repeated name made the mapping irregular. The names alias the
// request buffer, which outlives the request's series.
func (c *Converter) remember(t *tableState) {
	t.prevNames, t.prevCols = t.prevNames[:0], t.prevCols[:0]
	t.prevSeq, t.layoutUsed = 0, false
	if len(c.res) != len(c.labels) {
		return
	}
	for k, l := range c.labels {
		t.prevNames = append(t.prevNames, l.name)
		t.prevCols = append(t.prevCols, c.res[k].col)
	}
	t.prevSeq = 1
}

// dupScanMax is the label count up to which duplicates are found by a
// linear scan, cheaper than a map for the usual handful of labels.
const dupScanMax = 32

// duplicate reports whether col was already set by the current series; if
// so the later value replaces the earlier one.
func (c *Converter) duplicate(t *tableState, col *table.Column, v []byte, useMap bool) bool {
	if useMap {
		if t.stamp[col] != c.seq {
			t.stamp[col] = c.seq
			return false
		}
	}
	for i := range c.res {
		if c.res[i].col == col {
			c.res[i].value = v
			return true
		}
	}
	return false
}

// addTag validates a label name new to t and adds its STRING tag column.
func (c *Converter) addTag(t *tableState, raw []byte) (*table.Column, error) {
	var key, name string
	switch {
	case validLabelName(raw):
		key = c.str(raw)
		name = key
	case c.opts.LabelNames == LabelNamesSanitize && len(raw) > 0:
		key = c.str(raw)
		// Sanitised names are kept too, so each is built once.
		var ok bool
		if name, ok = c.sanitized[key]; !ok {
			if c.sanitized == nil {
				c.sanitized = make(map[string]string)
			}
			name = sanitizeLabelName(raw)
			c.sanitized[key] = name
		}
	default:
		return nil, invalidLabelName(c.ver, raw)
	}
	return c.addColumn(t, key, name)
}

// addColumn adds the tag column name for raw label name key, which the
// caller has validated.
func (c *Converter) addColumn(t *tableState, key, name string) (*table.Column, error) {
	col, err := c.newColumn(t, name)
	if err != nil {
		return nil, err
	}
	t.colMap()[key] = col
	return col, nil
}

// newColumn adds the STRING tag column name, which the caller has
// validated, to t's batch.
func (c *Converter) newColumn(t *tableState, name string) (*table.Column, error) {
	if name == ColTimestamp || name == ColValue {
		// GreptimeDB would put a string into its own timestamp or value
		// slot and fail the insert; refuse it up front with a clear message.
		return nil, errs.NewPermanent(fmt.Errorf("remote write %s: table %q: label %q collides with the %s column", c.ver, t.name, name, name))
	}
	i, err := t.batch.AddColumn(name, table.String, table.Tag)
	if err != nil {
		return nil, errs.NewPermanent(err)
	}
	col := t.batch.Col(i)
	// Every value a tag column gets passes checkValue (or the ASCII check
	// of its series) first, unless the mode stores bytes unchecked.
	col.UTF8Checked = c.opts.UTF8 != UTF8Unchecked
	return col, nil
}

// emit appends one row per sample of the current series.
func (c *Converter) emit(t *tableState, ts []int64, vals []float64) error {
	labels, direct := c.labels, c.direct
	for i := range ts {
		t.ts.AppendInt64(ts[i])
		t.val.AppendFloat64(vals[i])
		if direct != nil {
			// Indexed rather than ranged by value: a labelRef is 48
			// bytes, and only its value is read. direct has a column
			// per label (sameNames); direct[k] is bounds-checked.
			for k := range labels {
				direct[k].AppendBytes(labels[k].value)
			}
		}
		for _, r := range c.res {
			r.col.AppendBytes(r.value)
		}
		if err := t.batch.EndRow(); err != nil {
			return errs.NewPermanent(err)
		}
	}
	return nil
}

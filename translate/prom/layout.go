package prom

import "github.com/greptime-bridge/greptime-bridge/writer/table"

// layoutLimit bounds the layouts a Converter keeps across requests; past
// it they are all dropped, so a stream of unique metric names cannot grow
// them without end. A Prometheus server sends a few thousand metric names.
const layoutLimit = 1 << 13

// tagLayout is the label names of a table's last series in the previous
// request that wrote it, kept across requests. Every request builds its
// tables afresh (the batches leave with the request), and building a
// table's tag columns name by name (intern, validate, index) was a fifth
// of the CPU of node-exporter-shaped traffic, where a request gives each
// of a thousand tables two rows (BenchmarkTranslatePrometheus names=1000,
// issue #12). The next request's first series of the table usually has
// the same names (series of a metric share their label names), and then
// its columns are added in one pass (addLayout).
//
// Only layouts whose every raw name is a valid label name are kept, so a
// name is its own column name whatever the options of the request that
// reads the layout (sanitising changes only invalid names).
type tagLayout struct {
	names []string
}

// layoutOf returns the layout kept for table name of database d, or nil.
func (c *Converter) layoutOf(d *dbState, name string) *tagLayout {
	if !d.layoutsSet {
		d.layouts, d.layoutsSet = c.layouts[d.name], true
	}
	return d.layouts[name]
}

// matches reports whether the current series has exactly the names of l,
// in order.
func (l *tagLayout) matches(labels []labelRef) bool {
	if len(l.names) != len(labels) {
		return false
	}
	for k, lb := range labels {
		if l.names[k] != string(lb.name) {
			return false
		}
	}
	return true
}

// addLayout adds t's tag columns in the order of its kept layout, which
// the current series matches, and remembers them as the previous series'
// columns, so resolve continues as for a series with the names of the one
// before. The names were validated when the layout was kept; t.cols is
// left to colMap to fill if a later series needs it.
func (c *Converter) addLayout(t *tableState) error {
	t.prevNames, t.prevCols = t.prevNames[:0], t.prevCols[:0]
	for k, name := range t.layout.names {
		col, err := c.newColumn(t, name)
		if err != nil {
			return err
		}
		t.prevNames = append(t.prevNames, c.labels[k].name)
		t.prevCols = append(t.prevCols, col)
	}
	t.prevSeq = 1
	t.lazyCols, t.layoutUsed = true, true
	return nil
}

// colMap returns t's map from raw label name to tag column, filling it
// from the batch when addLayout left it empty: layout columns are named
// by their raw names.
func (t *tableState) colMap() map[string]*table.Column {
	if t.lazyCols {
		t.lazyCols = false
		for _, col := range t.batch.Columns() {
			if col.Semantic == table.Tag {
				t.cols[col.Name] = col
			}
		}
	}
	return t.cols
}

// keepLayouts records, for every table of the request, the label names of
// its last series when they map one to one onto columns of the same names.
func (c *Converter) keepLayouts() {
	for _, t := range c.active {
		// Most tables took their layout and kept it; skipping them keeps
		// this pass from touching every table's names again (in the
		// bridge, where they are out of cache by now).
		if t.layoutUsed || t.prevSeq == 0 || len(t.prevCols) != len(t.prevNames) {
			continue
		}
		l := t.layout
		if l != nil && l.same(t) {
			continue
		}
		regular := true
		for k, col := range t.prevCols {
			if col.Name != string(t.prevNames[k]) {
				regular = false
				break
			}
		}
		if !regular {
			continue
		}
		if l == nil {
			if c.nlayouts >= layoutLimit {
				clear(c.layouts)
				c.nlayouts = 0
			}
			tabs := c.layouts[t.db.name]
			if tabs == nil {
				tabs = make(map[string]*tagLayout)
				c.layouts[t.db.name] = tabs
			}
			l = &tagLayout{names: make([]string, 0, len(t.prevCols))}
			tabs[t.name] = l
			c.nlayouts++
		}
		l.names = l.names[:0]
		for _, col := range t.prevCols {
			// Column names are strings the converter interned; keeping
			// them copies nothing.
			l.names = append(l.names, col.Name)
		}
	}
}

// same reports whether l holds the column names of t's previous series.
func (l *tagLayout) same(t *tableState) bool {
	if len(l.names) != len(t.prevCols) {
		return false
	}
	for k, col := range t.prevCols {
		if l.names[k] != col.Name {
			return false
		}
	}
	return true
}

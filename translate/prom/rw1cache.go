package prom

import (
	"bytes"
	"unicode/utf8"
)

// seriesV1 decodes one TimeSeries and appends its rows, through the series
// cache when opts has one. The cache is keyed by the run of label fields
// that starts the message (where every sender puts them); a series whose
// labels are met in that run and match an entry byte for byte skips label
// decoding and checks. Anything unusual takes the field-by-field path, so
// errors and results are those of seriesV1Slow.
func (c *Converter) seriesV1(b []byte) error {
	cache := c.opts.SeriesCache
	if cache == nil {
		_, err := c.seriesV1Slow(b)
		return err
	}
	n, count := labelRun(b)
	if n == 0 || n > maxCachedKey {
		_, err := c.seriesV1Slow(b)
		return err
	}
	key := b[:n]
	h := cache.hash(key)
	if e := cache.get(h, key, c.mode); e != nil {
		if ok, err := c.seriesV1Hit(b[n:], e); ok {
			return err
		}
		_, err := c.seriesV1Slow(b)
		return err
	}
	nlabels, err := c.seriesV1Slow(b)
	// Only a series written with rows is known to pass every label check;
	// labels met outside the leading run would not be covered by the key.
	if err == nil && nlabels == count && len(c.ts) > 0 && cache.admits(h) {
		if e := c.newEntry(cache, h, key); e != nil {
			cache.put(e)
		}
	}
	return err
}

// labelRun returns the length of the run of label fields (field 1,
// length-delimited, the one-byte key 0x0a) that starts TimeSeries b, and
// how many fields it holds; 0 when b does not start with one or a length
// is malformed.
func labelRun(b []byte) (n, count int) {
	for n < len(b) && b[n] == 0x0a {
		_, end, err := lenField(b, n+1)
		if err != nil {
			return 0, 0
		}
		n = end
		count++
	}
	return n, count
}

// seriesV1Hit decodes the fields after the label run of a cached series
// and appends its rows. It reports false, having written nothing, when the
// rest holds anything the field-by-field path must judge (a malformed
// field, another label, a histogram).
func (c *Converter) seriesV1Hit(rest []byte, e *cacheEntry) (bool, error) {
	c.ts, c.vals = c.ts[:0], c.vals[:0]
	exemplars := 0
	for i := 0; i < len(rest); {
		num, typ, next, err := tag(rest, i)
		if err != nil {
			return false, nil
		}
		i = next
		switch {
		case num == v1TSSamples && typ == wireLen:
			start, end, err := lenField(rest, i)
			if err != nil || c.sampleV1(rest[start:end]) != nil {
				return false, nil
			}
			i = end
		case num == v1TSLabels || num == v1TSSamples || num == v1TSHistograms:
			return false, nil
		default:
			if num == v1TSExemplars && typ == wireLen {
				exemplars++
			}
			if i, err = skip(rest, i, typ); err != nil {
				return false, nil
			}
		}
	}
	c.out.Samples += len(c.ts)
	c.out.Exemplars += exemplars
	c.out.Drop("exemplar", exemplars)
	if len(c.ts) == 0 {
		// The entry's labels passed every check when it was made.
		return true, nil
	}
	d, err := c.database(e.span(e.db), e.hasDB)
	if err != nil {
		return true, err
	}
	t, err := c.table(d, e.span(e.metric), e.span(e.phys), e.hasPhys)
	if err != nil {
		return true, err
	}
	if t.shape != e.sh {
		if err := c.shapeColumns(t, e.sh); err != nil {
			return true, err
		}
	}
	c.res, c.direct = c.res[:0], nil
	for k, col := range t.shapeCols {
		c.res = append(c.res, resolved{col: col, value: e.span(e.vals[k])})
	}
	return true, c.emit(t, c.ts, c.vals)
}

// shapeColumns finds or adds t's columns for sh and remembers them.
func (c *Converter) shapeColumns(t *tableState, sh *shape) error {
	t.shape, t.shapeCols = nil, t.shapeCols[:0]
	for k, key := range sh.keys {
		col, ok := t.cols[key]
		if !ok {
			var err error
			if col, err = c.addColumn(t, key, sh.names[k]); err != nil {
				return err
			}
		}
		t.shapeCols = append(t.shapeCols, col)
	}
	t.shape = sh
	return nil
}

// newEntry resolves the label run key of a series that was just written
// without error, or returns nil when the series cannot be cached (a value
// the lossy mode rewrote, or labels an existing column accepted without
// the name checks).
func (c *Converter) newEntry(cache *SeriesCache, h uint64, key []byte) *cacheEntry {
	key = bytes.Clone(key)
	e := &cacheEntry{hash: h, mode: c.mode, key: key}
	// A sub-slice of key shares its end, so its offset is the difference of
	// capacities.
	span := func(v []byte) [2]uint16 {
		if v == nil {
			return [2]uint16{}
		}
		o := cap(key) - cap(v)
		return [2]uint16{uint16(o), uint16(o + len(v))}
	}
	lossy := c.opts.UTF8 == UTF8Lossy
	var sp specialLabels
	var keys, names []string
	for n := 0; n < len(key); {
		start, end, err := lenField(key, n+1)
		if err != nil {
			return nil
		}
		n = end
		name, value, err := labelV1(key[start:end])
		if err != nil || lossy && !utf8.Valid(value) {
			return nil
		}
		if maybeSpecial(name) && sp.take(name, value) {
			continue
		}
		col := string(name)
		switch {
		case validLabelName(name):
		case c.opts.LabelNames == LabelNamesSanitize && len(name) > 0:
			col = sanitizeLabelName(name)
		default:
			return nil
		}
		if col == ColTimestamp || col == ColValue {
			return nil
		}
		// A repeated column keeps its first place and its last value, as
		// Converter.duplicate does.
		if k := indexOf(names, col); k >= 0 {
			e.vals[k] = span(value)
			continue
		}
		keys = append(keys, string(name))
		names = append(names, col)
		e.vals = append(e.vals, span(value))
	}
	if !sp.hasMetric {
		return nil
	}
	e.metric, e.db, e.phys = span(sp.metric), span(sp.db), span(sp.phys)
	e.hasDB, e.hasPhys = sp.hasDB, sp.hasPhys
	e.sh = cache.intern(keys, names)
	e.size = int64(len(key)+4*len(e.vals)+entryOverhead) + shapeSize(keys, names)
	return e
}

func indexOf(list []string, s string) int {
	for i, x := range list {
		if x == s {
			return i
		}
	}
	return -1
}

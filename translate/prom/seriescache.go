package prom

import (
	"encoding/binary"

	"github.com/greptime-bridge/greptime-bridge/translate"
	"github.com/greptime-bridge/greptime-bridge/writer/errs"
	"github.com/greptime-bridge/greptime-bridge/writer/table"
)

// Bounds of one Converter's series cache. A Prometheus shard resends the
// same label sets on every scrape, so the cache only pays when it holds a
// sender's working set; the bound keeps a converter from holding more than
// a fixed amount whatever the senders do. seriesCacheBytes holds about
// 20,000 series of 8 labels (about 400 bytes each: the label bytes, the
// value positions and the map entry, see entryOverhead), the 10,000-series
// workloads of issue #12 with room to spare; a converter serves one request
// at a time and the receiver runs one per request in flight, so the bridge
// holds at most that many times this. Past either bound the cache starts
// again empty (as the intern table does): a working set larger than the
// cache costs an insertion per series and gains nothing.
const (
	seriesCacheBytes   = 8 << 20
	seriesCacheEntries = 1 << 16
	// entryOverhead is what a cached series costs beyond its label bytes
	// and value positions: map slot, string header, entry and slice.
	entryOverhead = 128
)

// seriesCache remembers, for remote write 1.0 series already translated
// once, what the translation found in their labels, keyed by the exact
// bytes of the series' leading run of label fields. A series whose label
// bytes equal a cached one's has the same labels, in the same order, with
// the same routing labels; the labels passed the name, UTF-8 (plain
// ASCII), repeat and shape checks under the options recorded here, so a
// repeat skips decoding its labels, those checks and the label-to-column
// look-ups, and appends its values from the recorded positions.
type seriesCache struct {
	entries map[string]*cachedSeries
	// shapes groups the entries of one table and one list of label names,
	// so binding a shape to the request's columns serves all of them.
	shapes map[string]*seriesShape
	bytes  int
	// The options the cached checks ran under; others empty the cache.
	// The shape limits decide per value. The label-name and UTF-8 modes
	// are implied today (a hit needs its shape, label names included, to
	// have passed the long way in the same request, and only plain ASCII
	// is cached) and compared so that no later change can make a hit skip
	// a check.
	names  LabelNameMode
	utf8   UTF8Mode
	limits translate.Limits
	key    []byte // scratch for shape keys
	// off disables the cache: the tests' reference translation.
	off bool
}

// cachedSeries is one cached label run.
type cachedSeries struct {
	shape *seriesShape
	// vals are the positions, in the label run, of the values of the
	// series' non-routing labels, in the order of shape's columns.
	vals []valueRef
}

type valueRef struct{ off, end uint32 }

// seriesShape is a table and a list of label names, bound to the current
// request's columns by the first series of the shape it translates the
// long way (epoch says which request).
type seriesShape struct {
	epoch uint64
	t     *tableState
	cols  []*table.Column
}

// prepare starts a request under opts: a change of the options the cached
// checks depend on empties the cache.
func (s *seriesCache) prepare(opts *Options) {
	if s.entries != nil && s.names == opts.LabelNames && s.utf8 == opts.UTF8 && s.limits == opts.Limits {
		return
	}
	s.clear()
	s.names, s.utf8, s.limits = opts.LabelNames, opts.UTF8, opts.Limits
}

func (s *seriesCache) clear() {
	s.entries = make(map[string]*cachedSeries)
	s.shapes = make(map[string]*seriesShape)
	s.bytes = 0
}

// labelRunEnd returns the end of the leading run of fields of TimeSeries
// b keyed 0x0a (labels) with a one-byte length, the bytes a cached series
// is keyed by; 0 when b does not start with one.
func labelRunEnd(b []byte) int {
	i := 0
	for i+1 < len(b) && b[i] == 0x0a && b[i+1] < 0x80 {
		end := i + 2 + int(b[i+1])
		if end > len(b) {
			break
		}
		i = end
	}
	return i
}

// seriesV1Cached translates TimeSeries b from the cache when its label run
// is cached and its shape is bound in this request; it reports false, with
// nothing written, when the series must take the long way (not cached, a
// label field after the run, no samples). Everything after the label run is
// decoded as the long way decodes it, with the same errors.
func (c *Converter) seriesV1Cached(b []byte) (bool, error) {
	if c.cache.off {
		return false, nil
	}
	run := labelRunEnd(b)
	if run == 0 {
		return false, nil
	}
	e := c.cache.entries[string(b[:run])]
	if e == nil || e.shape.epoch != c.epoch {
		return false, nil
	}
	c.ts, c.vals = c.ts[:0], c.vals[:0]
	exemplars := 0
	for i := run; i < len(b); {
		num, typ, next, err := tag(b, i)
		if err != nil {
			return true, wireErr(V1, "timeseries", err)
		}
		i = next
		switch {
		case num == v1TSSamples && typ == wireLen:
			start, end, err := lenField(b, i)
			if err != nil {
				return true, wireErr(V1, "sample", err)
			}
			if err := c.sampleV1(b[start:end]); err != nil {
				return true, err
			}
			i = end
		case num == v1TSLabels:
			// More labels than the cached run: the long way decides.
			return false, nil
		case num == v1TSHistograms:
			return true, errs.NewPermanent(errV1Histogram)
		case num == v1TSSamples:
			return true, wireErr(V1, "timeseries", errWireType)
		default:
			if num == v1TSExemplars && typ == wireLen {
				exemplars++
			}
			if i, err = skip(b, i, typ); err != nil {
				return true, wireErr(V1, "timeseries", err)
			}
		}
	}
	if len(c.ts) == 0 {
		return false, nil
	}
	c.out.Samples += len(c.ts)
	c.out.Exemplars += exemplars
	c.out.Drop("exemplar", exemplars)
	sh := e.shape
	t := sh.t
	c.last = t
	for i := range c.ts {
		t.ts.AppendInt64(c.ts[i])
		t.val.AppendFloat64(c.vals[i])
		for k, v := range e.vals {
			sh.cols[k].AppendBytes(b[v.off:v.end])
		}
		if err := t.batch.EndRow(); err != nil {
			return true, errs.NewPermanent(err)
		}
	}
	return true, nil
}

// learnV1 caches TimeSeries b, just translated the long way into table t
// (c.last), when the cache can reproduce that translation: every label sat
// in the canonical leading run ending at run (canonicalLabelsV1) and was
// plain ASCII (c.checked), and each non-routing label has a column of its
// own (cols, in c.labels order). It binds the series' shape to cols for
// the rest of the request.
func (c *Converter) learnV1(b []byte, run int, sp *specialLabels, cols []*table.Column) {
	if c.cache.off || !c.checked || len(cols) != len(c.labels) || labelRunEnd(b) != run {
		return
	}
	key := b[:run]
	e := c.cache.entries[string(key)]
	if e == nil {
		size := run + 8*len(c.labels) + entryOverhead
		if len(c.cache.entries) >= seriesCacheEntries || c.cache.bytes+size > seriesCacheBytes {
			c.cache.clear()
		}
		vals := make([]valueRef, len(c.labels))
		for k, l := range c.labels {
			// Every value is a slice of b (canonicalLabelsV1), so its
			// capacity tells where it starts.
			off := cap(b) - cap(l.value)
			if off < 0 || off+len(l.value) > run {
				return
			}
			vals[k] = valueRef{uint32(off), uint32(off + len(l.value))}
		}
		e = &cachedSeries{shape: c.shapeOf(sp), vals: vals}
		c.cache.entries[string(key)] = e
		c.cache.bytes += size
	}
	sh := e.shape
	sh.epoch, sh.t = c.epoch, c.last
	sh.cols = append(sh.cols[:0], cols...)
}

// shapeOf returns the shape of the current series: its routing labels and
// its label names, each length-prefixed so no two shapes share a key.
func (c *Converter) shapeOf(sp *specialLabels) *seriesShape {
	k := c.cache.key[:0]
	for _, v := range [...]struct {
		set bool
		b   []byte
	}{{sp.hasMetric, sp.metric}, {sp.hasDB, sp.db}, {sp.hasPhys, sp.phys}} {
		if !v.set {
			k = append(k, 0)
			continue
		}
		k = append(k, 1)
		k = binary.AppendUvarint(k, uint64(len(v.b)))
		k = append(k, v.b...)
	}
	for _, l := range c.labels {
		k = binary.AppendUvarint(k, uint64(len(l.name)))
		k = append(k, l.name...)
	}
	c.cache.key = k
	sh := c.cache.shapes[string(k)]
	if sh == nil {
		sh = &seriesShape{}
		c.cache.shapes[string(k)] = sh
		c.cache.bytes += len(k) + 8*len(c.labels) + entryOverhead
	}
	return sh
}

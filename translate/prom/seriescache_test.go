package prom

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"

	"github.com/greptime-bridge/greptime-bridge/translate"
)

// outcome renders a translation's result (tables and rows, or the error) for
// differential comparison.
func outcome(opts *Options, raw []byte) string {
	out := &translate.Output{}
	if err := Translate(context.Background(), raw, opts, out); err != nil {
		return "error: " + err.Error()
	}
	for _, b := range out.Batches {
		if err := b.Validate(); err != nil {
			return "invalid batch: " + err.Error()
		}
	}
	return dump(out)
}

// cacheSizes are the caches the differential tests use: roomy, and one set
// of two ways, where every series collides with every other.
func cacheSizes() map[string]func() *SeriesCache {
	return map[string]func() *SeriesCache{
		"roomy":     func() *SeriesCache { return NewSeriesCache(1<<12, 1<<20) },
		"one-set":   func() *SeriesCache { return NewSeriesCache(2, 1<<20) },
		"few-bytes": func() *SeriesCache { return NewSeriesCache(64, 600) },
	}
}

// checkSame translates each request without a cache, then each through a
// fresh cache in order, twice over, so the second round hits what the first
// stored; every result must match the uncached one.
func checkSame(t *testing.T, opts Options, reqs ...[]byte) {
	t.Helper()
	opts.SeriesCache = nil
	want := make([]string, len(reqs))
	for i, raw := range reqs {
		want[i] = outcome(&opts, raw)
	}
	for name, mk := range cacheSizes() {
		o := opts
		o.SeriesCache = mk()
		for round := 0; round < 2; round++ {
			for i, raw := range reqs {
				if got := outcome(&o, raw); got != want[i] {
					t.Fatalf("%s cache, round %d, request %d: cached result differs from uncached\n%s", name, round, i, firstDiff(want[i], got))
				}
			}
		}
		if b, max := o.SeriesCache.Bytes(), o.SeriesCache.maxBytes+maxCachedKey+entryOverhead; b > max {
			t.Errorf("%s cache holds %d bytes, bound and slack %d", name, b, max)
		}
	}
}

func TestSeriesCacheGolden(t *testing.T) {
	for _, gc := range goldenCases() {
		t.Run(gc.name, func(t *testing.T) {
			o := *gc.opts()
			raw := gc.raw(t)
			if o.Encoding != Identity {
				bp, err := decompress(raw, o.Encoding, o.maxDecompressed())
				if err != nil {
					t.Fatal(err)
				}
				raw = append([]byte(nil), *bp...)
				putBuf(bp)
			}
			checkSame(t, o, raw)
		})
	}
}

// Label names and values the generator draws from: special labels, a
// repeated name, names that sanitise onto one column or collide with the
// value column, invalid names and invalid UTF-8.
var (
	genNames  = []string{"__name__", "job", "instance", "a.b", "a_b", "1x", "", "greptime_value", "__database__", "x_greptime_database", "__schema__", "__physical_table__", "x_greptime_physical_table", "le"}
	genValues = []string{"", "a", "b", "node", "bad\xff", "ok\u00e9", "db-1", "bad db", "p1"}
	genMetric = []string{"up", "http_requests_total", "node_load1", "bad metric", "", "bad\xf0\x9f"}
)

// genRequest builds a request of up to 8 series from a small alphabet, so
// series repeat within and across requests; some carry labels after their
// samples, which the cache must not key on.
func genRequest(r *rand.Rand) []byte {
	var b []byte
	for range r.IntN(8) + 1 {
		s := series1{labels: []label{{"__name__", genMetric[r.IntN(len(genMetric))]}}}
		if r.IntN(10) == 0 {
			s.labels = nil
		}
		for range r.IntN(4) {
			s.labels = append(s.labels, label{genNames[r.IntN(len(genNames))], genValues[r.IntN(len(genValues))]})
		}
		for k := range r.IntN(3) {
			s.samples = append(s.samples, sample{float64(k) + 0.5, int64(1000 * (k + 1))})
		}
		if r.IntN(8) == 0 {
			s.exemplars = 1
		}
		if r.IntN(30) == 0 {
			s.histograms = 1
		}
		enc := s.encode()
		if r.IntN(8) == 0 {
			// A label after the samples.
			enc = pbBytes(enc, v1TSLabels, pbString(pbString(nil, v1LabelName, "late"), v1LabelValue, "x"))
		}
		b = pbBytes(b, v1ReqTimeseries, enc)
	}
	return b
}

// genOptions derives every mode combination from bits.
func genOptions(bits uint8) Options {
	o := DefaultOptions()
	o.Encoding = Identity
	o.LabelNames = LabelNameMode(bits & 1)
	o.UTF8 = UTF8Mode((bits >> 1) % 3)
	o.DB.MetricEngine = bits&8 == 0
	if bits&16 != 0 {
		o.PhysicalTable = "bad phys"
	}
	return o
}

func TestSeriesCacheGenerated(t *testing.T) {
	r := rand.New(rand.NewPCG(12, 34))
	for i := range 300 {
		reqs := make([][]byte, 3)
		for k := range reqs {
			reqs[k] = genRequest(r)
		}
		o := genOptions(uint8(i))
		t.Run(fmt.Sprint(i), func(t *testing.T) { checkSame(t, o, reqs...) })
	}
}

// The shared cache serves concurrent requests (run with -race): each gets
// the uncached result.
func TestSeriesCacheConcurrent(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	reqs := make([][]byte, 16)
	want := make([]string, len(reqs))
	o := genOptions(0)
	o.SeriesCache = nil
	for i := range reqs {
		reqs[i] = genRequest(r)
		want[i] = outcome(&o, reqs[i])
	}
	o.SeriesCache = NewSeriesCache(8, 1<<20)
	var wg sync.WaitGroup
	errc := make(chan string, 4*len(reqs))
	for g := range 4 {
		wg.Go(func() {
			for k := range 3 * len(reqs) {
				i := (k + g*5) % len(reqs)
				if got := outcome(&o, reqs[i]); got != want[i] {
					errc <- fmt.Sprintf("goroutine %d, request %d:\n%s", g, i, firstDiff(want[i], got))
					return
				}
			}
		})
	}
	wg.Wait()
	close(errc)
	for e := range errc {
		t.Error(e)
	}
}

// A hash match alone is never a hit: the bytes decide.
func TestSeriesCacheComparesBytes(t *testing.T) {
	c := NewSeriesCache(2, 1<<20)
	e := &cacheEntry{hash: 7, key: []byte("abc"), size: 100}
	c.put(e)
	if c.get(7, []byte("abd"), 0) != nil {
		t.Error("a different key with the same hash was a hit")
	}
	if c.get(7, []byte("abc"), 1) != nil {
		t.Error("an entry made under another mode was a hit")
	}
	if c.get(7, []byte("abc"), 0) != e {
		t.Error("the stored key was not found")
	}
}

// Repeated series are stored once, within the byte bound, and the second
// round adds nothing.
func TestSeriesCacheStoresRepeats(t *testing.T) {
	raw := request1(0, benchSeries(200, 20, 8, 1)...)
	o := DefaultOptions()
	o.Encoding = Identity
	o.SeriesCache = NewSeriesCache(1<<10, 1<<20)
	outcome(&o, raw)
	first := o.SeriesCache.Bytes()
	if first < int64(200*entryOverhead) {
		t.Fatalf("cache holds %d bytes after 200 new series", first)
	}
	outcome(&o, raw)
	if got := o.SeriesCache.Bytes(); got != first {
		t.Errorf("cache grew from %d to %d bytes on repeated series", first, got)
	}
	small := NewSeriesCache(1<<10, 10_000)
	o.SeriesCache = small
	outcome(&o, raw)
	if b := small.Bytes(); b > 10_000+maxCachedKey+entryOverhead || b == 0 {
		t.Errorf("bounded cache holds %d bytes, bound 10000", b)
	}
}

// cached reports whether series s is in cache, without marking it used.
func cached(c *SeriesCache, s series1) bool {
	enc := s.encode()
	n, _ := labelRun(enc)
	for i := range c.slots {
		if e := c.slots[i].Load(); e != nil && bytes.Equal(e.key, enc[:n]) {
			return true
		}
	}
	return false
}

// A full set keeps taking new series in place of old ones, second chance
// first: a series hit since the last eviction outlives one that was not.
func TestSeriesCacheEvicts(t *testing.T) {
	o := DefaultOptions()
	o.Encoding = Identity
	o.SeriesCache = NewSeriesCache(setWays, 1<<20) // one set
	old := promSeries(setWays, 1, 4)
	outcome(&o, request1(0, old...))
	for _, s := range old {
		if !cached(o.SeriesCache, s) {
			t.Fatalf("series %v not cached in an empty set", s.labels)
		}
	}
	// Hit the first series again, then bring in new ones: every old
	// series but the first has its used bit clear and goes first.
	outcome(&o, request1(0, old[0]))
	fresh := promSeries(2*setWays, 1, 4)[setWays : 2*setWays-1]
	outcome(&o, request1(0, fresh...))
	if !cached(o.SeriesCache, old[0]) {
		t.Error("the series hit since the last eviction was evicted")
	}
	for _, s := range fresh {
		if !cached(o.SeriesCache, s) {
			t.Errorf("new series %v was not cached", s.labels)
		}
	}
	// Past the byte bound, a full set still renews itself.
	o.SeriesCache.maxBytes = o.SeriesCache.Bytes() / 2
	last := promSeries(3*setWays, 1, 4)[2*setWays]
	outcome(&o, request1(0, last))
	if !cached(o.SeriesCache, last) {
		t.Error("a full cache past its byte bound took no new series")
	}
}

// FuzzSeriesCache checks on arbitrary requests that the cached path, run
// twice through a one-set cache, gives the uncached result.
func FuzzSeriesCache(f *testing.F) {
	r := rand.New(rand.NewPCG(1, 2))
	for i := range 8 {
		f.Add(genRequest(r), uint8(i))
	}
	f.Fuzz(func(t *testing.T, raw []byte, bits uint8) {
		o := genOptions(bits)
		o.SeriesCache = nil
		want := outcome(&o, raw)
		o.SeriesCache = NewSeriesCache(2, 1<<20)
		for round := 0; round < 2; round++ {
			if got := outcome(&o, raw); got != want {
				t.Fatalf("round %d: cached result differs from uncached\n%s", round, firstDiff(want, got))
			}
		}
	})
}

// Label-name sets that never repeat cannot grow the shape table past its
// share of the byte bound.
func TestSeriesCacheShapesBounded(t *testing.T) {
	o := DefaultOptions()
	o.Encoding = Identity
	o.SeriesCache = NewSeriesCache(1<<10, 64<<10)
	var ss []series1
	for i := range 2000 {
		ss = append(ss, series1{labels: lbl("__name__", "m", fmt.Sprintf("name_%05d", i), "v"), samples: []sample{{1, 1}}})
	}
	outcome(&o, request1(0, ss...))
	c := o.SeriesCache
	if len(c.shapes) == 0 {
		t.Fatal("no shape was interned")
	}
	if c.shapesBytes > c.maxBytes/8 {
		t.Errorf("shape table holds %d bytes, bound %d", c.shapesBytes, c.maxBytes/8)
	}
}

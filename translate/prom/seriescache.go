package prom

import (
	"bytes"
	"hash/maphash"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
)

// SeriesCache remembers how the label sets of remote write 1.0 series were
// resolved (metric, database, physical table, tag columns and values), keyed
// by the series' raw label bytes. Prometheus resends the same series every
// scrape interval, so a repeated series costs a hash, a byte comparison and
// the appends instead of label decoding, special-label routing, name and
// UTF-8 checks and a column look-up per label.
//
// It is not on by default because it does not pay on Prometheus-sized
// series sets: a hit reads the entry's tag line, slot, struct, key and
// value offsets, misses in the CPU caches once the set outgrows them, and
// costs more than decoding the labels it saves (BenchmarkTranslatePrometheus
// on a 2-core EPYC shared with other jobs, medians of alternating runs:
// 10k series x 8 labels 770 cpu-ns/sample uncached, 1035 cached; 100k x 12
// labels 1146 and 1645). It does pay when one small set repeats
// (BenchmarkTranslate rw1/labels=8/samples=1/metrics=20, 2,000 series:
// about 780 -> 400 cpu-ns/sample).
//
// A SeriesCache is safe for concurrent use by many requests and is meant to
// be shared by every converter of a process: one copy of each series
// instead of one per pooled converter, and entries survive the pool's
// clearing at each GC. Entries are immutable once published and slots are
// atomic, so a look-up takes no lock. It is a set-associative table of
// setWays ways per set, evicting by CLOCK within a set (a used bit per
// entry, a hand per set), bounded in
// entries (its slots) and in bytes (entries are not added past the byte
// bound until replacements free room).
type SeriesCache struct {
	// tags holds each slot's hash (0 = empty), so a look-up scans one
	// cache line per set before following a pointer; a tag is a hint,
	// the entry's own hash and key decide.
	tags     []atomic.Uint64
	slots    []atomic.Pointer[cacheEntry]
	hands    []atomic.Uint32 // per set: the next way to consider evicting
	mask     uint64          // number of sets - 1
	seed     maphash.Seed
	size     atomic.Int64
	maxBytes int64

	// shapes interns label-name lists, so that series of one metric share
	// one shape and find their columns by a pointer comparison. Touched
	// only when an entry is added.
	mu          sync.Mutex
	shapes      map[string]*shape
	shapesBytes int64
}

// setWays is the associativity: 8 tags fill one 64-byte cache line, and at
// the default size a 100k-series working set loses well under 1% of its
// series to full sets (2 ways lost 12%).
const setWays = 8

// Suggested bounds for NewSeriesCache: 256 Ki entries hold the 100k series
// of a large Prometheus with room against set conflicts, and 128 MiB holds
// them at 12 labels each (about 1 KiB an entry as counted, its shape
// included).
const (
	DefaultSeriesCacheEntries = 1 << 18
	DefaultSeriesCacheBytes   = 128 << 20
)

// maxCachedKey bounds one entry's label bytes: longer label sets are rare
// and are resolved every time, which keeps an entry's value offsets in 16
// bits and caps how far concurrent inserts can overshoot the byte bound.
const maxCachedKey = 4 << 10

// The shape intern table restarts past maxShapes shapes or an eighth of
// the byte bound (entries keep their shapes, new entries get new ones).
const maxShapes = 1 << 14

// entryOverhead approximates the bytes an entry holds besides its key and
// tags: the struct, its slot and the allocator's rounding.
const entryOverhead = 128

// NewSeriesCache returns a cache of at most maxEntries entries (rounded up
// to a power of two, at least setWays) and about maxBytes bytes of entries.
func NewSeriesCache(maxEntries int, maxBytes int64) *SeriesCache {
	sets := 1
	for sets*setWays < maxEntries {
		sets *= 2
	}
	return &SeriesCache{
		tags:     make([]atomic.Uint64, setWays*sets),
		slots:    make([]atomic.Pointer[cacheEntry], setWays*sets),
		hands:    make([]atomic.Uint32, sets),
		mask:     uint64(sets - 1),
		seed:     maphash.MakeSeed(),
		maxBytes: maxBytes,
		shapes:   make(map[string]*shape),
	}
}

// Bytes returns the approximate bytes held by the entries: at most the
// byte bound plus one entry's slack per concurrent insert.
func (s *SeriesCache) Bytes() int64 { return s.size.Load() }

// shape is the ordered list of a cached series' tag columns: keys are the
// raw label names (the keys of tableState.cols), names the column names
// (sanitised when that mode is on).
type shape struct {
	keys, names []string
}

// cacheEntry is one resolved label set. Every slice points into key.
type cacheEntry struct {
	hash uint64
	mode uint8
	// used is the second-chance bit: set on a hit, cleared when the entry
	// survives an eviction in its set.
	used atomic.Bool
	size int64
	key  []byte
	sh   *shape
	// vals holds the [start, end) of each tag value in key, aligned with
	// sh.keys; metric, db and phys are the routing labels' values.
	vals             [][2]uint16
	metric, db, phys [2]uint16
	hasDB, hasPhys   bool
}

func (e *cacheEntry) span(o [2]uint16) []byte { return e.key[o[0]:o[1]] }

// hash returns the key's hash.
func (s *SeriesCache) hash(key []byte) uint64 { return maphash.Bytes(s.seed, key) }

// tagOf maps a hash to a non-zero slot tag.
func tagOf(h uint64) uint64 { return h | 1 }

// get returns the entry for key under mode, or nil. A hash match is never
// trusted alone: the bytes are compared.
func (s *SeriesCache) get(h uint64, key []byte, mode uint8) *cacheEntry {
	i := setWays * (h & s.mask)
	tag := tagOf(h)
	for w := i; w < i+setWays; w++ {
		if s.tags[w].Load() != tag {
			continue
		}
		e := s.slots[w].Load()
		if e != nil && e.hash == h && e.mode == mode && bytes.Equal(e.key, key) {
			// Written only when it changes, so hits on a shared entry do
			// not bounce its cache line between cores.
			if !e.used.Load() {
				e.used.Store(true)
			}
			return e
		}
	}
	return nil
}

// put publishes e in its set, in the way victim picks.
// An entry that would take the cache past its byte bound is added only in
// place of another (within one entry's slack), so a full cache keeps
// renewing its sets instead of freezing.
func (s *SeriesCache) put(e *cacheEntry) {
	i := setWays * (e.hash & s.mask)
	w, victim := s.victim(i)
	limit, free := s.maxBytes, int64(0)
	if victim != nil {
		limit += maxCachedKey + entryOverhead
		free = victim.size
	}
	if s.size.Load()+e.size-free > limit {
		return
	}
	// The tag is cleared first, so a reader never pairs the new tag with
	// the old entry for long; either way the entry's own hash decides.
	s.tags[w].Store(0)
	old := s.slots[w].Swap(e)
	s.tags[w].Store(tagOf(e.hash))
	if old != nil {
		s.size.Add(e.size - old.size)
	} else {
		s.size.Add(e.size)
	}
}

// admits reports whether an entry of hash h could be added, so a miss does
// not build an entry put would throw away: below the byte bound, or in
// place of another entry of a full set.
func (s *SeriesCache) admits(h uint64) bool {
	if s.size.Load() <= s.maxBytes-maxCachedKey-entryOverhead {
		return true
	}
	i := setWays * (h & s.mask)
	return s.slots[i+setWays-1].Load() != nil
}

// victim picks the way of set i (its first slot) that a new entry takes:
// an empty one, else the clock hand of the set sweeps the ways, clearing
// used bits, until it meets an entry not used since it last passed.
// Concurrent inserts may race on the hand; either pick is a fair victim.
func (s *SeriesCache) victim(i uint64) (uint64, *cacheEntry) {
	for w := i; w < i+setWays; w++ {
		if s.slots[w].Load() == nil {
			return w, nil
		}
	}
	hand := &s.hands[i/setWays]
	for range 2 * setWays {
		h := uint64(hand.Load() % setWays)
		hand.Store(uint32(h+1) % setWays)
		e := s.slots[i+h].Load()
		if !e.used.Load() {
			return i + h, e
		}
		e.used.Store(false)
	}
	// Every bit was set again meanwhile by concurrent hits.
	w := i + uint64(hand.Load()%setWays)
	return w, s.slots[w].Load()
}

// intern returns the shared shape for keys and names.
func (s *SeriesCache) intern(keys, names []string) *shape {
	// Length-prefixed, so that no two lists give one map key whatever
	// bytes the (sanitised) names hold.
	var sb strings.Builder
	for _, k := range keys {
		sb.WriteString(strconv.Itoa(len(k)))
		sb.WriteByte(':')
		sb.WriteString(k)
	}
	k := sb.String()
	s.mu.Lock()
	defer s.mu.Unlock()
	if sh, ok := s.shapes[k]; ok {
		return sh
	}
	size := shapeSize(keys, names)
	if len(s.shapes) >= maxShapes || s.shapesBytes+size > s.maxBytes/8 {
		clear(s.shapes)
		s.shapesBytes = 0
	}
	sh := &shape{keys: keys, names: names}
	s.shapes[k] = sh
	s.shapesBytes += 2*size + int64(len(k))
	return sh
}

// shapeSize approximates the bytes a shape holds. Entries count their
// shape's size as if it were theirs alone, so the byte bound covers shapes
// however few entries share them.
func shapeSize(keys, names []string) int64 {
	n := 64 + 32*len(keys)
	for i := range keys {
		n += len(keys[i])
		if names[i] != keys[i] {
			n += len(names[i])
		}
	}
	return int64(n)
}

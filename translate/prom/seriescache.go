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
// A SeriesCache is safe for concurrent use by many requests and is meant to
// be shared by every converter of a process: entries are immutable once
// published and slots are atomic pointers, so a look-up takes no lock. It is
// a 2-way set-associative table with a second-chance bit per entry, bounded
// in entries (its slots) and in bytes (entries are not added past the byte
// bound until replacements free room).
type SeriesCache struct {
	slots    []atomic.Pointer[cacheEntry]
	mask     uint64 // number of sets - 1
	seed     maphash.Seed
	size     atomic.Int64
	maxBytes int64

	// shapes interns label-name lists, so that series of one metric share
	// one shape and find their columns by a pointer comparison. Touched
	// only when an entry is added.
	mu     sync.Mutex
	shapes map[string]*shape
}

// Default bounds of the process-wide cache: 256 Ki entries hold the 100k
// series of a large Prometheus with room against set conflicts, and 64 MiB
// holds them at 12 labels each (about 600 bytes an entry).
const (
	DefaultSeriesCacheEntries = 1 << 18
	DefaultSeriesCacheBytes   = 64 << 20
)

// maxCachedKey bounds one entry's label bytes: longer label sets are rare
// and are resolved every time, which keeps an entry's value offsets in 16
// bits and caps how far concurrent inserts can overshoot the byte bound.
const maxCachedKey = 4 << 10

// maxShapes bounds the shape intern table; past it the table restarts
// (entries keep their shapes, new entries get new ones).
const maxShapes = 1 << 14

// entryOverhead approximates the bytes an entry holds besides its key and
// tags: the struct, its slot and the allocator's rounding.
const entryOverhead = 128

var defaultCache = sync.OnceValue(func() *SeriesCache {
	return NewSeriesCache(DefaultSeriesCacheEntries, DefaultSeriesCacheBytes)
})

// DefaultSeriesCache returns the process-wide cache DefaultOptions uses.
func DefaultSeriesCache() *SeriesCache { return defaultCache() }

// NewSeriesCache returns a cache of at most maxEntries entries (rounded up
// to a power of two, at least 2) and about maxBytes bytes of entries.
func NewSeriesCache(maxEntries int, maxBytes int64) *SeriesCache {
	sets := 1
	for sets*2 < maxEntries {
		sets *= 2
	}
	return &SeriesCache{
		slots:    make([]atomic.Pointer[cacheEntry], 2*sets),
		mask:     uint64(sets - 1),
		seed:     maphash.MakeSeed(),
		maxBytes: maxBytes,
		shapes:   make(map[string]*shape),
	}
}

// Bytes returns the approximate bytes held by the entries.
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

// get returns the entry for key under mode, or nil. A hash match is never
// trusted alone: the bytes are compared.
func (s *SeriesCache) get(h uint64, key []byte, mode uint8) *cacheEntry {
	i := 2 * (h & s.mask)
	for w := uint64(0); w < 2; w++ {
		e := s.slots[i+w].Load()
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

// put publishes e in its set: into an empty way, else over a way not used
// since the last eviction (clearing the other way's bit: second chance).
// Nothing is added when the byte bound would be passed.
func (s *SeriesCache) put(e *cacheEntry) {
	i := 2 * (e.hash & s.mask)
	a, b := s.slots[i].Load(), s.slots[i+1].Load()
	w := uint64(0)
	switch {
	case a == nil:
	case b == nil:
		w = 1
	case !a.used.Load():
		b.used.Store(false)
	case !b.used.Load():
		w = 1
		a.used.Store(false)
	default:
		// Both were used: evict one by the hash's next bit, and let the
		// other earn its place again.
		w = (e.hash >> 32) & 1
		a.used.Store(false)
		b.used.Store(false)
	}
	victim := s.slots[i+w].Load()
	free := int64(0)
	if victim != nil {
		free = victim.size
	}
	if s.size.Load()+e.size-free > s.maxBytes {
		return
	}
	if old := s.slots[i+w].Swap(e); old != nil {
		s.size.Add(e.size - old.size)
	} else {
		s.size.Add(e.size)
	}
}

// full reports whether the byte bound leaves no room for another entry,
// so a miss does not build an entry put would throw away.
func (s *SeriesCache) full() bool {
	return s.size.Load() > s.maxBytes-maxCachedKey-entryOverhead
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
	if len(s.shapes) >= maxShapes {
		clear(s.shapes)
	}
	sh := &shape{keys: keys, names: names}
	s.shapes[k] = sh
	return sh
}

// Package cardinality bounds the distinct series written into each database
// per clock hour and per UTC day, like vmagent's -remoteWrite.maxHourlySeries
// and -remoteWrite.maxDailySeries (app/vmagent/remotewrite), but per database
// and without silent drops: a request that would bring a series past a limit
// is refused whole with a permanent error (400 / InvalidArgument), counted
// and logged. Receivers call it between translation and the pipeline for
// remote write and OTLP metrics, so both count against one limit.
package cardinality

import (
	"encoding/binary"
	"fmt"
	"hash/maphash"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/greptime-bridge/greptime-bridge/translate"
	"github.com/greptime-bridge/greptime-bridge/writer/errs"
	"github.com/greptime-bridge/greptime-bridge/writer/table"
)

// Limits are one database's series limits; 0 is unlimited.
type Limits struct {
	Hourly, Daily int
}

// Config configures a Limiter.
type Config struct {
	// Default is the database a batch without one is written to.
	Default string
	// For returns the limits of a database.
	For func(database string) Limits
	// Now is the clock (time.Now when nil); tests inject theirs.
	Now func() time.Time
	// LogEvery bounds the refusal log lines per database (a minute when
	// zero): a flood of refused requests must not flood the log.
	LogEvery time.Duration
}

// Limiter tracks the series of every database with a limit. A series is its
// table and the names and values of its non-null tags, as GreptimeDB keys
// it (tags plus time index). Memory is bounded by the limits themselves: a
// window never holds more series than its limit, 8 bytes of hash each (a
// 64-bit hash, so two series collide with negligible probability; a
// collision lets a new series through as known, never refuses a known one).
type Limiter struct {
	cfg     Config
	seed    maphash.Seed
	mu      sync.Mutex
	dbs     map[string]*dbSeries
	log     *slog.Logger
	seen    *prometheus.GaugeVec
	refused *prometheus.CounterVec
}

type dbSeries struct {
	hour, day window
	lastLog   time.Time
}

// window is the set of series seen in one hour or day.
type window struct {
	index int64
	set   map[uint64]struct{}
}

func (w *window) roll(index int64) {
	if w.index != index || w.set == nil {
		w.index = index
		w.set = make(map[uint64]struct{})
	}
}

// New returns a Limiter registering its metrics with reg (nil: none).
func New(cfg Config, reg prometheus.Registerer, log *slog.Logger) *Limiter {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.LogEvery <= 0 {
		cfg.LogEvery = time.Minute
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	l := &Limiter{
		cfg: cfg, seed: maphash.MakeSeed(), dbs: map[string]*dbSeries{}, log: log,
		seen: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "bridge_series_seen",
			Help: "Distinct series written into a database with a series limit in the current hour or UTC day.",
		}, []string{"database", "window"}),
		refused: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "bridge_series_refused_total",
			Help: "New series refused because they would pass a database's hourly or daily series limit.",
		}, []string{"database", "window"}),
	}
	if reg != nil {
		reg.MustRegister(l.seen, l.refused)
	}
	return l
}

// Admit checks the series of out against the limits of their databases and
// records them. It refuses the whole request when the new series it brings
// would pass a limit, and then records nothing: a 400 means nothing of the
// request was written, as for every other refusal. out is only read.
func (l *Limiter) Admit(out *translate.Output) error {
	type pending struct {
		db     string
		lim    Limits
		hashes []uint64
	}
	var work []pending
	for _, b := range out.Batches {
		db := b.Database
		if db == "" {
			db = l.cfg.Default
		}
		lim := l.cfg.For(db)
		if lim.Hourly <= 0 && lim.Daily <= 0 {
			continue
		}
		k := slices.IndexFunc(work, func(p pending) bool { return p.db == db })
		if k < 0 {
			work = append(work, pending{db: db, lim: lim})
			k = len(work) - 1
		}
		work[k].hashes = l.appendHashes(work[k].hashes, b)
	}
	if len(work) == 0 {
		return nil
	}
	now := l.cfg.Now()
	l.mu.Lock()
	defer l.mu.Unlock()
	// Check every database first, then record: a refusal records nothing.
	for _, p := range work {
		if err := l.check(p.db, p.lim, p.hashes, now); err != nil {
			return err
		}
	}
	for _, p := range work {
		d := l.dbs[p.db]
		for _, h := range p.hashes {
			if p.lim.Hourly > 0 {
				d.hour.set[h] = struct{}{}
			}
			if p.lim.Daily > 0 {
				d.day.set[h] = struct{}{}
			}
		}
		l.seen.WithLabelValues(p.db, "hour").Set(float64(len(d.hour.set)))
		l.seen.WithLabelValues(p.db, "day").Set(float64(len(d.day.set)))
	}
	return nil
}

// check refuses hashes when their new series would pass a limit; l.mu is
// held.
func (l *Limiter) check(db string, lim Limits, hashes []uint64, now time.Time) error {
	d := l.dbs[db]
	if d == nil {
		d = &dbSeries{}
		l.dbs[db] = d
	}
	unix := now.Unix()
	d.hour.roll(unix / 3600)
	d.day.roll(unix / 86400)
	for _, w := range []struct {
		name, key string
		max       int
		set       map[uint64]struct{}
	}{{"hour", "max_hourly_series", lim.Hourly, d.hour.set}, {"day", "max_daily_series", lim.Daily, d.day.set}} {
		if w.max <= 0 {
			continue
		}
		fresh := countNew(hashes, w.set)
		if len(w.set)+fresh <= w.max {
			continue
		}
		l.refused.WithLabelValues(db, w.name).Add(float64(fresh))
		err := errs.NewPermanent(fmt.Errorf("database %q: the request brings %d new series, and with the %d written this %s that passes its %s = %d; the request was not written",
			db, fresh, len(w.set), w.name, w.key, w.max))
		if now.Sub(d.lastLog) >= l.cfg.LogEvery {
			d.lastLog = now
			l.log.Warn("series limit reached: requests bringing new series are refused", "database", db, "limit", w.key, "max", w.max, "error", err)
		}
		return err
	}
	return nil
}

// countNew counts the distinct hashes not in set.
func countNew(hashes []uint64, set map[uint64]struct{}) int {
	n := 0
	var mine map[uint64]struct{}
	for _, h := range hashes {
		if _, ok := set[h]; ok {
			continue
		}
		if mine == nil {
			mine = make(map[uint64]struct{})
		}
		if _, ok := mine[h]; ok {
			continue
		}
		mine[h] = struct{}{}
		n++
	}
	return n
}

// appendHashes appends the series hash of every row of b. Tags are hashed
// in name order, so a series hashes alike whatever order its batch met its
// columns in.
func (l *Limiter) appendHashes(dst []uint64, b *table.Batch) []uint64 {
	var tags []*table.Column
	for _, c := range b.Columns() {
		if c.Semantic == table.Tag {
			tags = append(tags, c)
		}
	}
	slices.SortFunc(tags, func(x, y *table.Column) int { return strings.Compare(x.Name, y.Name) })
	var h maphash.Hash
	h.SetSeed(l.seed)
	for row := 0; row < b.Rows(); row++ {
		h.Reset()
		h.WriteString(b.Table)
		h.WriteByte(0)
		for _, c := range tags {
			if c.IsNull(row) {
				continue
			}
			h.WriteString(c.Name)
			h.WriteByte(0)
			writeValue(&h, c, row)
			h.WriteByte(0)
		}
		dst = append(dst, h.Sum64())
	}
	return dst
}

func writeValue(h *maphash.Hash, c *table.Column, row int) {
	if v, ok := c.Binary(row); ok {
		_, _ = h.Write(v)
		return
	}
	// Tags of other types (rare: GreptimeDB's OTLP and Prometheus layouts
	// keep tags as strings) hash by their bits.
	var u uint64
	switch c.Type.Storage() {
	case table.StorageInt:
		v, _ := c.Int64(row)
		u = uint64(v)
	case table.StorageUint:
		u, _ = c.Uint64(row)
	case table.StorageFloat:
		u, _ = c.Float64Bits(row)
	case table.StorageBool:
		if v, _ := c.Bool(row); v {
			u = 1
		}
	}
	var b [8]byte
	binary.LittleEndian.PutUint64(b[:], u)
	_, _ = h.Write(b[:])
}

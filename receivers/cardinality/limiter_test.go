package cardinality

import (
	"context"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/greptime-bridge/greptime-bridge/translate"
	"github.com/greptime-bridge/greptime-bridge/writer/errs"
	"github.com/greptime-bridge/greptime-bridge/writer/table"
)

// row is one series row: database, table and tags as name, value pairs in
// the order the batch meets them.
type row struct {
	db, table string
	tags      []string
}

func request(t *testing.T, rows ...row) *translate.Output {
	t.Helper()
	out := &translate.Output{}
	for i, r := range rows {
		b := out.Batch(r.db, r.table)
		b.MustColumn("greptime_timestamp", table.TimestampMillisecond, table.Timestamp).AppendInt64(int64(i))
		for k := 0; k+1 < len(r.tags); k += 2 {
			b.MustColumn(r.tags[k], table.String, table.Tag).AppendString(r.tags[k+1])
		}
		b.MustColumn("greptime_value", table.Float64, table.Field).AppendFloat64(1)
		if err := b.EndRow(); err != nil {
			t.Fatal(err)
		}
	}
	return out
}

// clock is a settable test clock.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time      { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *clock) add(d time.Duration) { c.mu.Lock(); c.now = c.now.Add(d); c.mu.Unlock() }

// logCount counts the records logged at warning level.
type logCount struct {
	slog.Handler
	mu sync.Mutex
	n  int
}

func (h *logCount) Enabled(context.Context, slog.Level) bool { return true }

func (h *logCount) Handle(_ context.Context, r slog.Record) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	if r.Level >= slog.LevelWarn {
		h.n++
	}
	return nil
}

func (h *logCount) count() int { h.mu.Lock(); defer h.mu.Unlock(); return h.n }

// value reads a metric of reg by database and window labels.
func value(t *testing.T, reg *prometheus.Registry, name, db, window string) float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
		for _, m := range mf.GetMetric() {
			labels := map[string]string{}
			for _, lp := range m.GetLabel() {
				labels[lp.GetName()] = lp.GetValue()
			}
			if labels["database"] == db && labels["window"] == window {
				return m.GetCounter().GetValue() + m.GetGauge().GetValue()
			}
		}
	}
	return 0
}

func newLimiter(t *testing.T, limits map[string]Limits) (*Limiter, *clock, *logCount, *prometheus.Registry) {
	t.Helper()
	clk := &clock{now: time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC)}
	logs := &logCount{Handler: slog.DiscardHandler}
	reg := prometheus.NewRegistry()
	l := New(Config{Default: "public", Now: clk.Now, For: func(db string) Limits { return limits[db] }}, reg, slog.New(logs))
	return l, clk, logs, reg
}

func series(db string, n, from int) []row {
	rs := make([]row, n)
	for i := range rs {
		rs[i] = row{db: db, table: "up", tags: []string{"job", "j", "instance", "i" + strings.Repeat("x", from+i)}}
	}
	return rs
}

func wantRefused(t *testing.T, err error, fragments ...string) {
	t.Helper()
	if err == nil || !errs.IsPermanent(err) {
		t.Fatalf("got %v, want a permanent refusal", err)
	}
	for _, f := range fragments {
		if !strings.Contains(err.Error(), f) {
			t.Errorf("error %q lacks %q", err, f)
		}
	}
}

// TestHourlyLimit: new series are admitted up to the limit; a request that
// would pass it is refused whole and counted; known series still pass; the
// next clock hour starts afresh.
func TestHourlyLimit(t *testing.T) {
	l, clk, logs, reg := newLimiter(t, map[string]Limits{"public": {Hourly: 3}})
	if err := l.Admit(request(t, series("public", 2, 0)...)); err != nil {
		t.Fatal(err)
	}
	// Two known, one new, plus a repeat of the new one: 3 series.
	rs := append(series("public", 3, 0), series("public", 1, 2)...)
	if err := l.Admit(request(t, rs...)); err != nil {
		t.Fatal(err)
	}
	// Two new series, one known: refused, and neither is recorded.
	err := l.Admit(request(t, append(series("public", 1, 0), series("public", 2, 3)...)...))
	wantRefused(t, err, `database "public": the request brings 2 new series, and with the 3 written this hour that passes its max_hourly_series = 3`)
	if got := value(t, reg, "bridge_series_refused_total", "public", "hour"); got != 2 {
		t.Errorf("refused %v, want 2", got)
	}
	if err := l.Admit(request(t, series("public", 3, 0)...)); err != nil {
		t.Errorf("known series refused: %v", err)
	}
	if got := value(t, reg, "bridge_series_seen", "public", "hour"); got != 3 {
		t.Errorf("seen %v, want 3", got)
	}
	// A second refusal within the minute is counted but not logged again.
	wantRefused(t, l.Admit(request(t, series("public", 1, 9)...)))
	if logs.count() != 1 {
		t.Errorf("%d warnings, want 1", logs.count())
	}
	clk.add(time.Hour)
	if err := l.Admit(request(t, series("public", 3, 10)...)); err != nil {
		t.Errorf("new hour: %v", err)
	}
	if got := value(t, reg, "bridge_series_seen", "public", "hour"); got != 3 {
		t.Errorf("seen %v after the hour rolled, want 3", got)
	}
	if got := value(t, reg, "bridge_series_refused_total", "public", "hour"); got != 3 {
		t.Errorf("refused %v in all, want 3", got)
	}
}

// TestDailyLimit: the day window spans hours and rolls at UTC midnight.
func TestDailyLimit(t *testing.T) {
	l, clk, _, _ := newLimiter(t, map[string]Limits{"public": {Hourly: 10, Daily: 4}})
	for h := 0; h < 2; h++ {
		if err := l.Admit(request(t, series("public", 2, 2*h)...)); err != nil {
			t.Fatal(err)
		}
		clk.add(time.Hour)
	}
	wantRefused(t, l.Admit(request(t, series("public", 1, 100)...)), "passes its max_daily_series = 4")
	clk.add(12 * time.Hour) // 00:00 UTC next day
	if err := l.Admit(request(t, series("public", 4, 200)...)); err != nil {
		t.Errorf("next day: %v", err)
	}
}

// TestSeriesIdentity: a series is its table and non-null tags, whatever the
// order its batch met the columns in; the time index and fields do not count.
func TestSeriesIdentity(t *testing.T) {
	l, _, _, _ := newLimiter(t, map[string]Limits{"public": {Hourly: 2}})
	a := row{db: "public", table: "up", tags: []string{"job", "j", "instance", "i"}}
	if err := l.Admit(request(t, a)); err != nil {
		t.Fatal(err)
	}
	// The same series with its tags in the other order, next to a series
	// of another table with the same tags, and a row whose batch has an
	// extra tag column that this row leaves NULL.
	swapped := row{db: "public", table: "up", tags: []string{"instance", "i", "job", "j"}}
	other := row{db: "public", table: "down", tags: []string{"job", "j", "instance", "i"}}
	out := request(t, swapped, other)
	b := out.Batches[0]
	b.MustColumn("zone", table.String, table.Tag).AppendString("z")
	b.MustColumn("greptime_timestamp", table.TimestampMillisecond, table.Timestamp).AppendInt64(9)
	if err := b.EndRow(); err != nil {
		t.Fatal(err)
	}
	// Rows: up{instance,job} (known), up{..., zone} (new), down (new).
	wantRefused(t, l.Admit(out), "brings 2 new series, and with the 1 written")
	if err := l.Admit(request(t, swapped, other)); err != nil {
		t.Errorf("one new series: %v", err)
	}
}

// TestDatabases: limits are per database, the empty database is the
// default one, an unlimited database is not tracked, and a refusal in one
// database records nothing for the others of the request.
func TestDatabases(t *testing.T) {
	l, _, _, _ := newLimiter(t, map[string]Limits{"public": {Hourly: 1}, "team_a": {Hourly: 5}})
	if err := l.Admit(request(t, series("", 1, 0)...)); err != nil {
		t.Fatal(err)
	}
	wantRefused(t, l.Admit(request(t, series("public", 1, 1)...)), `database "public"`)
	mixed := append(series("team_a", 2, 0), series("public", 1, 5)...)
	wantRefused(t, l.Admit(request(t, mixed...)), `database "public"`)
	if got := len(l.dbs["team_a"].hour.set); got != 0 {
		t.Errorf("team_a recorded %d series of a refused request", got)
	}
	if err := l.Admit(request(t, series("free", 1000, 0)...)); err != nil {
		t.Fatal(err)
	}
	if _, ok := l.dbs["free"]; ok {
		t.Error("an unlimited database is tracked")
	}
}

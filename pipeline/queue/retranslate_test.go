package queue

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"google.golang.org/grpc/codes"

	"github.com/greptime-bridge/greptime-bridge/translate"
	"github.com/greptime-bridge/greptime-bridge/writer"
	"github.com/greptime-bridge/greptime-bridge/writer/table"
)

// typedDB stands in for GreptimeDB holding table "t" whose column v has
// type typ: a write with v of another type is refused whole with mito's
// "expect type" answer (a stale schema, pipeline.StaleSchema); other
// tables take anything. It keeps the rows it took as text.
type typedDB struct {
	mu   sync.Mutex
	typ  table.DataType
	rows map[string][]string
	done chan struct{} // signalled after every write
}

func newTypedDB(typ table.DataType) *typedDB {
	return &typedDB{typ: typ, rows: map[string][]string{}, done: make(chan struct{}, 1)}
}

func (g *typedDB) Consume(_ context.Context, out *translate.Output) error {
	g.mu.Lock()
	defer func() {
		g.mu.Unlock()
		select {
		case g.done <- struct{}{}:
		default:
		}
	}()
	for _, b := range out.Batches {
		if c := b.Column("v"); b.Table == "t" && c != nil && c.Type != g.typ {
			return &writer.ServerError{
				Code: codes.InvalidArgument, Status: writer.StatusInvalidArguments, HasStatus: true,
				Message: "column v expect type " + g.typ.String() + ", given: " + c.Type.String(),
			}
		}
	}
	for _, b := range out.Batches {
		c := b.Column("v")
		for i := range b.Rows() {
			v := ""
			switch c.Type {
			case table.Float64:
				f, _ := c.Float64(i)
				v = strconv.FormatFloat(f, 'f', 1, 64)
			default:
				n, _ := c.Int64(i)
				v = strconv.FormatInt(n, 10)
			}
			g.rows[b.Table] = append(g.rows[b.Table], v)
		}
	}
	return nil
}

func (g *typedDB) get(tbl string) []string {
	g.mu.Lock()
	defer g.mu.Unlock()
	return append([]string(nil), g.rows[tbl]...)
}

// waitFor waits (10 s at most) until cond holds after a write.
func (g *typedDB) waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.After(10 * time.Second)
	for !cond() {
		select {
		case <-g.done:
		case <-deadline:
			t.Fatalf("timed out waiting for %s", what)
		}
	}
}

// typedRequest is n rows into table t (from, from+1, …), v typed typ.
func typedRequest(tbl string, typ table.DataType, from, n int) *translate.Output {
	out := &translate.Output{}
	b := out.Batch("db", tbl)
	for i := range n {
		b.MustColumn("ts", table.TimestampMillisecond, table.Timestamp).AppendInt64(int64(from + i))
		c := b.MustColumn("v", typ, table.Field)
		if typ == table.Float64 {
			c.AppendFloat64(float64(from + i))
		} else {
			c.AppendInt64(int64(from + i))
		}
		if err := b.EndRow(); err != nil {
			panic(err)
		}
	}
	return out
}

// again translates a source whose payload is "from,n" into table t with
// v of the type the database holds now (what reading the table afresh
// gives the OTLP receiver), or always Int64 when stuck.
type again struct {
	db    *typedDB
	stuck bool
	mu    sync.Mutex
	calls int
}

func (a *again) Retranslate(_ context.Context, src *translate.Source, out *translate.Output) error {
	a.mu.Lock()
	a.calls++
	a.mu.Unlock()
	from, n, _ := strings.Cut(string(src.Payload), ",")
	f, _ := strconv.Atoi(from)
	k, _ := strconv.Atoi(n)
	typ := table.Int64
	if !a.stuck {
		a.db.mu.Lock()
		typ = a.db.typ
		a.db.mu.Unlock()
	}
	for _, b := range typedRequest("t", typ, f, k).Batches {
		_ = out.Batch(b.Database, b.Table).AppendBatch(b)
	}
	return nil
}

func (a *again) n() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.calls
}

func sourceOf(from, n int) *translate.Source {
	return &translate.Source{Signal: "logs", Payload: []byte(strconv.Itoa(from) + "," + strconv.Itoa(n))}
}

// queueInto opens a queue on dir draining into db with retranslator a,
// appends the requests (with their sources, nil for none) and starts it.
func queueInto(t *testing.T, dir string, db *typedDB, a Retranslator, reg prometheus.Registerer, outs []*translate.Output, srcs []*translate.Source) *Queue {
	t.Helper()
	q, err := Open(testConfig(dir), db, nil, reg, nil)
	if err != nil {
		t.Fatal(err)
	}
	q.SetRetranslator(a)
	q.Start()
	for i, out := range outs {
		if err := q.ConsumeSource(context.Background(), out, srcs[i]); err != nil {
			t.Fatal(err)
		}
	}
	return q
}

// TestStaleRefusalIsTranslatedAgainAndWritten queues three requests whose
// column v is BIGINT while the table already holds DOUBLE (another writer
// altered it after they were acknowledged): the merged write is refused,
// the records are written one by one, each refused record with a source is
// translated once again and written; the record of another table is
// written as queued. Nothing is dropped.
func TestStaleRefusalIsTranslatedAgainAndWritten(t *testing.T) {
	db := newTypedDB(table.Float64)
	a := &again{db: db}
	reg := prometheus.NewRegistry()
	q := queueInto(t, t.TempDir(), db, a, reg,
		[]*translate.Output{typedRequest("t", table.Int64, 0, 3), typedRequest("m", table.Int64, 0, 2), typedRequest("t", table.Int64, 3, 3)},
		[]*translate.Source{sourceOf(0, 3), nil, sourceOf(3, 3)})
	db.waitFor(t, "6 rows in t", func() bool { return len(db.get("t")) == 6 })
	if err := shutdown(t, q, 10*time.Second); err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(db.get("t"), " "); got != "0.0 1.0 2.0 3.0 4.0 5.0" {
		t.Errorf("t holds %s, want the six rows as DOUBLE in order", got)
	}
	if got := db.get("m"); len(got) != 2 {
		t.Errorf("m holds %v, want 2 rows", got)
	}
	if a.n() != 2 {
		t.Errorf("%d translations, want one per refused record (2)", a.n())
	}
	if d := metricValue(t, reg, "bridge_queue_records_dropped_total"); d != 0 {
		t.Errorf("%v records dropped", d)
	}
	if r := metricValue(t, reg, "bridge_queue_records_retranslated_total"); r != 2 {
		t.Errorf("%v records counted as translated again, want 2", r)
	}
}

// TestStaleAfterEveryTranslationIsDroppedNotLooped: when translating again
// cannot follow the table (the translation still gives BIGINT), the record
// is translated maxStaleRewrites times, then dropped and counted; the next
// record still flows. A record without a source (remote write, metrics, or
// written before sources were kept) refused as stale is dropped at once.
func TestStaleAfterEveryTranslationIsDroppedNotLooped(t *testing.T) {
	db := newTypedDB(table.Float64)
	a := &again{db: db, stuck: true}
	reg := prometheus.NewRegistry()
	q := queueInto(t, t.TempDir(), db, a, reg,
		[]*translate.Output{typedRequest("t", table.Int64, 0, 1), typedRequest("t", table.Int64, 1, 1), typedRequest("m", table.Int64, 0, 1)},
		[]*translate.Source{sourceOf(0, 1), nil, nil})
	db.waitFor(t, "a row in m", func() bool { return len(db.get("m")) == 1 })
	if err := shutdown(t, q, 10*time.Second); err != nil {
		t.Fatal(err)
	}
	if got := db.get("t"); len(got) != 0 {
		t.Errorf("t holds %v", got)
	}
	if a.n() != maxStaleRewrites {
		t.Errorf("%d translations, want %d", a.n(), maxStaleRewrites)
	}
	if d := metricValue(t, reg, "bridge_queue_records_dropped_total"); d != 2 {
		t.Errorf("%v records dropped, want 2", d)
	}
	// Translating again after a table change is not GreptimeDB failing to
	// take records: the drain retry count leaves it out.
	if r := metricValue(t, reg, "bridge_queue_drain_retries_total"); r != 0 {
		t.Errorf("%v drain retries counted for table changes, want 0", r)
	}
}

// TestVersion1RecordsReplayAfterUpgrade opens a queue directory written by
// the codec before sources were kept (testdata/v1-queue, two records
// appended and never drained) and drains it: every row of both records
// arrives.
func TestVersion1RecordsReplayAfterUpgrade(t *testing.T) {
	dir := t.TempDir()
	seg, err := os.ReadFile(filepath.Join("testdata", "v1-queue", segName(0)))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, segName(0)), seg, 0o600); err != nil {
		t.Fatal(err)
	}
	s := newSink()
	reg := prometheus.NewRegistry()
	q := openQueue(t, testConfig(dir), s, reg, &logBuf{})
	s.waitRows(t, "old_logs", 3)
	if err := shutdown(t, q, 10*time.Second); err != nil {
		t.Fatal(err)
	}
	want := map[string]int{"every_type": 11, "logs": 1, "old_logs": 3}
	for tbl, n := range want {
		if got := len(s.rows(tbl)); got != n {
			t.Errorf("%s: %d rows, want %d", tbl, got, n)
		}
	}
	if got := s.rows("old_logs"); got[0] != 0 || got[1] != 1 || got[2] != 2 {
		t.Errorf("old_logs v = %v, want 0 1 2", got)
	}
	if r := metricValue(t, reg, "bridge_queue_replayed_records_total"); r != 2 {
		t.Errorf("%v records replayed, want 2", r)
	}
}

package writer

import (
	"context"
	"fmt"
	"strings"

	"github.com/greptime-bridge/greptime-bridge/writer/table"
)

// Write converts table batches to row inserts and sends them through
// GreptimeDatabase/Handle, returning the affected rows. One call carries
// many tables; batches are grouped by database (a batch's empty Database
// means WithDatabase or Config.Database) and by hint set, since hints are
// per call: each group is one request, sent in the order the groups first
// appear. A batch with CreateSQL runs it once per client first.
//
// Consecutive batches of one group with the same table and layout
// (table.Batch.SameLayout) are sent as one RowInsertRequest holding all
// their rows, as if they were one batch.
//
// Every batch is validated before anything is sent (InvalidInputError). If
// a later group fails, the rows of earlier groups are written and counted
// in the returned total. Batches must not be modified until Write returns.
func (c *Client) Write(ctx context.Context, batches ...*table.Batch) (uint32, error) {
	return c.WriteWith(ctx, nil, batches...)
}

// WriteWith is Write with per-call options: WithDatabase, WithTimezone, and
// WithHints, whose hints apply to every batch (a batch's own hint of the
// same key wins).
func (c *Client) WriteWith(ctx context.Context, opts []InsertOption, batches ...*table.Batch) (uint32, error) {
	if len(batches) == 0 {
		return 0, &InvalidInputError{Reason: "no batches to write"}
	}
	o := c.callOptions(opts)
	groups, err := groupBatches(o.database, o.hints, batches)
	if err != nil {
		return 0, err
	}
	var total uint32
	for _, g := range groups {
		if err := c.ensureCreated(ctx, g); err != nil {
			return total, err
		}
		co := o
		co.database = g.database
		// An encoding error (an invalid batch, validated while encoded)
		// names its table itself, as a validation error from groupBy does.
		req, err := c.encode(co, g)
		if err != nil {
			return total, err
		}
		n, err := c.sendGroup(ctx, g, req)
		total += n
		if err != nil {
			return total, fmt.Errorf("row insert into database %q, tables %s: %w", g.database, g.tableNames(), err)
		}
	}
	return total, nil
}

// sendGroup sends one group's encoded request through Handle.
func (c *Client) sendGroup(ctx context.Context, g *group, req *encodedRequest) (uint32, error) {
	// Retries resend the same bytes; the writer's reference is dropped
	// once no try can send them again.
	defer req.release()
	return c.invokeHandle(ctx, g.hints, req, true)
}

// encode encodes a group's batches as one GreptimeRequest under o's
// header.
func (c *Client) encode(o callOptions, g *group) (*encodedRequest, error) {
	e := c.encoders.get()
	defer c.encoders.put(e)
	return e.encodeRuns(c.header(o), g.batches, g.same, !g.checked)
}

// group is the batches that share one Handle call.
type group struct {
	database string
	hints    string
	batches  []*table.Batch
	// same[i] says batches[i] has the layout of batches[i-1]: the encoder
	// sends such runs as one insert.
	same    []bool
	creates []string
	// checked says the batches were validated (and same filled); when it
	// is false the encoder validates them (groupBy).
	checked bool
}

// tableNames names the call's tables for an error message: the first few
// and how many more, since one multi-table insert can carry hundreds.
func (g *group) tableNames() string {
	const show = 5
	n := len(g.batches)
	names := make([]string, 0, min(n, show))
	for i := 0; i < n && i < show; i++ {
		names = append(names, g.batches[i].Table)
	}
	out := strings.Join(names, ",")
	if n > show {
		out += fmt.Sprintf(" and %d more", n-show)
	}
	return out
}

// groupBatches groups batches by database and hint set and validates
// them (groupBy says when).
func groupBatches(defaultDB string, base table.Hints, batches []*table.Batch) ([]*group, error) {
	return groupBy(defaultDB, base, batches, true)
}

// groupBatchesIgnoringHints groups by database only, for a stream whose
// hints are fixed when it opens.
func groupBatchesIgnoringHints(defaultDB string, batches []*table.Batch) ([]*group, error) {
	return groupBy(defaultDB, nil, batches, false)
}

// groupBy does the grouping; base hints (WithHints) apply to every batch,
// a batch's own hint of the same key winning.
//
// A call that makes one request without DDL (the bridge's flushes) leaves
// the columns' validation to the encoder, which checks each batch as it
// writes it, before anything is sent (group.checked false): a node-exporter-
// shaped flush is a thousand tables of a few two-row batches, and a
// validation pass of its own over their columns, cold again by the time
// the encoder read them, was 5.6% of the bridge's CPU (issue #12). When
// there are several requests, or a CREATE statement to run first, every
// batch is validated here, so nothing is sent or created when any batch is
// invalid.
func groupBy(defaultDB string, base table.Hints, batches []*table.Batch, byHints bool) ([]*group, error) {
	var groups []*group
	// A struct key, not a concatenation: a flush of a hundred tables would
	// otherwise allocate a key string per batch.
	type groupKey struct{ db, hints string }
	byKey := make(map[groupKey]*group, 1)
	// The batches of one call usually share their hints: the last set's
	// encoding is reused rather than checked and built again per batch.
	var lastHints table.Hints
	lastKey, haveLast := "", false
	creates := false
	for _, b := range batches {
		if err := checkBatchHead(b); err != nil {
			return nil, err
		}
		hints := ""
		var err error
		if byHints {
			if len(base) == 0 && haveLast && b.Hints.Equal(lastHints) {
				hints = lastKey
			} else {
				h := b.Hints
				if len(base) > 0 {
					h = append(table.Hints(nil), base...)
					for _, x := range b.Hints {
						h.Set(x.Key, x.Value)
					}
				}
				if hints, err = encodeHints(b.Table, h); err != nil {
					return nil, err
				}
				lastHints, lastKey, haveLast = b.Hints, hints, len(base) == 0
			}
		}
		db := b.Database
		if db == "" {
			db = defaultDB
		}
		key := groupKey{db, hints}
		g, ok := byKey[key]
		if !ok {
			g = &group{database: db, hints: hints}
			byKey[key] = g
			groups = append(groups, g)
		}
		g.batches = append(g.batches, b)
		if b.CreateSQL != "" {
			g.creates = append(g.creates, b.CreateSQL)
			creates = true
		}
	}
	if len(groups) == 1 && !creates {
		return groups, nil
	}
	for _, g := range groups {
		if err := g.validate(); err != nil {
			return nil, err
		}
	}
	return groups, nil
}

// validate validates every batch of g and records which share the layout
// of the batch before them.
func (g *group) validate() error {
	g.same = make([]bool, len(g.batches))
	for i, b := range g.batches {
		// A batch laid out like the one before it in its call is
		// validated for its values only, and sent in the same insert.
		var prev *table.Batch
		if i > 0 {
			prev = g.batches[i-1]
		}
		same, err := validateBatchAfter(b, prev)
		if err != nil {
			return err
		}
		g.same[i] = same
	}
	g.checked = true
	return nil
}

// ensureCreated runs each group's CREATE statements the first time this
// client sees them, for table layouts hints cannot express (partitions,
// skipping indexes).
func (c *Client) ensureCreated(ctx context.Context, g *group) error {
	for _, sql := range g.creates {
		key := g.database + "\x00" + sql
		if _, done := c.created.Load(key); done {
			continue
		}
		if _, err := c.ExecSQL(ctx, sql, WithDatabase(g.database)); err != nil {
			return fmt.Errorf("cannot run the create statement of database %q: %w", g.database, err)
		}
		c.created.Store(key, struct{}{})
	}
	return nil
}

package otlp

import (
	"context"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/greptime-bridge/greptime-bridge/translate"
	"github.com/greptime-bridge/greptime-bridge/writer/errs"
	"github.com/greptime-bridge/greptime-bridge/writer/table"
)

// checkEvery is how many data points, records or spans pass between two
// checks of the context.
const checkEvery = 1024

// Converter translates OTLP payloads into table batches. It keeps scratch
// buffers and name caches between calls; Reset prepares it for reuse from a
// sync.Pool. A Converter is not safe for concurrent use.
type Converter struct {
	// labels caches translated attribute keys for one strategy; keys repeat
	// across points and requests, so this interns them.
	labels      map[string]string
	labelsFor   Strategy
	legacyNames map[string]string
	promote     map[string]struct{}

	resTags, baseTags, rowTags []tag
	resBuf, scopeBuf, rowBuf   []byte
	jsonBuf                    []byte
	// wireKVs collects decoded attributes for a JSON column.
	wireKVs []wireKV
	// attrRaw (a view into the request) and attrJSON (attrLayout's text)
	// are the last log record's attribute bytes and their JSON, valid
	// while attrMemoOK (logAttrsJSON).
	attrRaw, attrJSON []byte
	attrMemoOK        bool
	// attrLayout is the last log record's attribute keys' JSON layout.
	attrLayout jsonLayout
	// recKVs are the last log record's decoded attributes; slot i holds
	// the decode of recRaw[i] (a view into the request) when that is not
	// nil. recSame says which slots the record shares with the one
	// before (logAttrsJSON).
	recKVs  []wireKV
	recRaw  [][]byte
	recSame []bool
	// recFields are the record's attribute KeyValues, views into the
	// request (decodeLogRecord).
	recFields [][]byte
	// ptRaw (a view into the request) is the last number point's
	// attribute bytes, whose tags are in rowTags while ptMemoOK holds and
	// the base tags are of generation ptGen; ptDropped is how many of its
	// values metric tags could not hold (wirePointTags).
	ptRaw     []byte
	ptFields  [][]byte // the point's attribute KeyValues (wirePointTags)
	ptGen     uint64
	ptDropped int
	ptMemoOK  bool
	// tagIdx indexes the tag list being built once it is large; tagIdxOK
	// says it describes that list (each new list starts invalid).
	tagIdx   map[string]int
	tagIdxOK bool
	keyMemo  []keyMemo
	// baseGen counts rebuilds of baseTags, so a key memo entry knows the
	// base it was made under.
	baseGen uint64
	// memoEpoch counts changes to keyMemo's entries, and rowPure says
	// that every point attribute of the tags being built took pointTag's
	// memoised path: together they sign the row's names (rowSig).
	memoEpoch   uint64
	rowPure     bool
	metricNames map[metricNameKey]string
	shapes      [numShapes]rowShape
	nextShape   int
	// Scratch of one histogram or summary point, and its le/quantile text.
	hBounds   []float64
	hCounts   []uint64
	quantiles []quantileVal
	le        []byte
	// leBounds are the bounds whose le texts leText holds, each ending
	// at its leEnds entry (renderBounds).
	leBounds []float64
	leText   []byte
	leEnds   []int32
	trace    traceCtx

	n int // items since the last context check

	existing existingState
}

// tag is one tag column value of a metric row.
type tag struct{ name, val string }

// maxCacheEntries bounds the name caches so hostile key sets cannot grow
// them without limit.
const maxCacheEntries = 1 << 16

// largeRequestColumns is the number of tags or attribute columns past
// which per-request scratch is sized at once and not kept for the next
// request.
const largeRequestColumns = 4096

// emptied returns s with its elements cleared (they view the last
// request's body) and no length; a slice a huge request grew past
// largeRequestColumns is dropped instead, as clearing its capacity on
// every later Reset would cost each small request that much again.
func emptied[T any](s []T) []T {
	if cap(s) > largeRequestColumns {
		return nil
	}
	clear(s[:cap(s)])
	return s[:0]
}

// NewConverter returns an empty Converter.
func NewConverter() *Converter {
	return &Converter{
		labels:      make(map[string]string),
		legacyNames: make(map[string]string),
	}
}

// Reset drops per-request state, keeping buffers and the name caches.
func (c *Converter) Reset() {
	c.ptRaw, c.ptMemoOK, c.ptFields = nil, false, emptied(c.ptFields)
	c.attrRaw, c.attrMemoOK = nil, false
	c.recKVs, c.recRaw, c.recFields = emptied(c.recKVs), emptied(c.recRaw), emptied(c.recFields)
	c.attrLayout.forget()
	// Decoded strings view the last request's body: let it go.
	c.wireKVs = emptied(c.wireKVs)
	c.resTags, c.baseTags, c.rowTags = emptied(c.resTags), emptied(c.baseTags), emptied(c.rowTags)
	if len(c.tagIdx) > largeRequestColumns {
		c.tagIdx = nil // see emptied
	}
	c.resBuf, c.scopeBuf, c.rowBuf, c.jsonBuf = c.resBuf[:0], c.scopeBuf[:0], c.rowBuf[:0], c.jsonBuf[:0]
	clear(c.promote)
	for i := range c.shapes {
		sh := &c.shapes[i]
		*sh = rowShape{tags: sh.tags[:0], names: emptied(sh.names)}
	}
	c.n = 0
	// label and legacy stop caching at maxCacheEntries; a full cache is
	// emptied here so later requests' names are cached again.
	if len(c.labels) >= maxCacheEntries {
		clear(c.labels)
	}
	if len(c.legacyNames) >= maxCacheEntries {
		clear(c.legacyNames)
	}
	if len(c.metricNames) > maxCacheEntries {
		clear(c.metricNames)
	}
}

// tick checks ctx every checkEvery calls.
func (c *Converter) tick(ctx context.Context) error {
	c.n++
	if c.n < checkEvery {
		return nil
	}
	c.n = 0
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("otlp translation stopped: %w", err)
	}
	return nil
}

// label returns the translated label name of key, cached.
func (c *Converter) label(key string, st Strategy) string {
	if c.labels == nil {
		c.labels = make(map[string]string)
	}
	if c.labelsFor != st {
		clear(c.labels)
		c.labelsFor = st
	}
	if n, ok := c.labels[key]; ok {
		return n
	}
	// The cache outlives the request, and key may point into its body.
	key = strings.Clone(key)
	n := labelName(key, st)
	if len(c.labels) < maxCacheEntries {
		// Past the bound (the keys of a huge first request) a name is not
		// worth a map insertion: Reset empties the full cache.
		c.labels[key] = n
	}
	return n
}

// metricNameKey identifies one metric-name translation.
type metricNameKey struct {
	name, unit string
	kind       metricKind
	st         Strategy
}

// metricName returns the translated table name of a metric, cached: the
// same metrics arrive in every request.
func (c *Converter) metricName(name, unit string, kind metricKind, st Strategy) string {
	k := metricNameKey{name, unit, kind, st}
	if n, ok := c.metricNames[k]; ok {
		return n
	}
	if c.metricNames == nil {
		c.metricNames = make(map[metricNameKey]string)
	}
	k.name, k.unit = strings.Clone(name), strings.Clone(unit)
	name, unit = k.name, k.unit
	n := metricName(name, unit, kind, st)
	c.metricNames[k] = n
	return n
}

// legacy returns the legacy-normalised name of key, cached.
func (c *Converter) legacy(key string) string {
	if c.legacyNames == nil {
		c.legacyNames = make(map[string]string)
	}
	if n, ok := c.legacyNames[key]; ok {
		return n
	}
	key = strings.Clone(key)
	n := legacyName(key)
	if len(c.legacyNames) < maxCacheEntries {
		c.legacyNames[key] = n
	}
	return n
}

// badInput wraps a bad-data error as permanent: the sender must not retry.
func badInput(format string, args ...any) error {
	return errs.NewPermanent(fmt.Errorf(format, args...))
}

// checkUTF8 refuses invalid UTF-8 where GreptimeDB's protobuf decoder
// (prost) would have refused the whole request.
func checkUTF8(what, s string) error {
	if utf8.ValidString(s) {
		return nil
	}
	return badInput("%s %q is not valid utf-8", what, s)
}

// checkUTF8Of is checkUTF8 for the value of a named item; the message is
// built only on failure, keeping the hot path free of allocations.
func checkUTF8Of(what, name, s string) error {
	if utf8.ValidString(s) {
		return nil
	}
	return badInput("%s %q: value %q is not valid utf-8", what, name, s)
}

// applyHints copies request hints onto a batch; they win over the defaults
// as GreptimeDB's x-greptime-hints do.
func applyHints(b *table.Batch, h table.Hints) {
	for _, x := range h {
		b.Hints.Set(x.Key, x.Value)
	}
}

// outputFor is a small helper so every signal names databases alike.
func batchFor(out *translate.Output, db, name string) (*table.Batch, bool) {
	if b, ok := out.Lookup(db, name); ok {
		return b, false
	}
	return out.Batch(db, name), true
}

// checkFixedColumns verifies that a batch reused from the output starts with
// the n fixed columns a signal writes by position, so a name clash with
// another table of the request is an error rather than a panic.
func checkFixedColumns(b *table.Batch, n int, col func(int) (string, table.DataType, table.SemanticType)) error {
	if b.NumColumns() < n {
		return badInput("table %q already holds another layout in this request", b.Table)
	}
	for i := 0; i < n; i++ {
		name, typ, sem := col(i)
		if c := b.Col(i); c.Name != name || c.Type != typ || c.Semantic != sem {
			return badInput("table %q already holds another layout in this request (column %q)", b.Table, c.Name)
		}
	}
	return nil
}

// The reasons under which translations count items in Output.Dropped.
// Only DropSpanRejected is a rejection the sender should hear about (OTLP
// partial success, as GreptimeDB answers); the others are data GreptimeDB
// silently does not store.
const (
	// DropSpanRejected counts spans whose attributes cannot take their
	// column's type (frontend/src/instance/otlp/trace_ingest.rs).
	DropSpanRejected = "trace_span_rejected"
	// DropExponentialHistogram counts exponential-histogram points
	// (metrics.rs writes none) unless they are converted.
	DropExponentialHistogram = "exponential_histogram"
	// DropExemplar counts exemplars, which GreptimeDB ignores.
	DropExemplar = "exemplar"
	// DropMetricAttributeType counts bool, bytes, array and map attribute
	// values that metric tags cannot hold.
	DropMetricAttributeType = "metric_attribute_type"
	// DropMetricWithoutData counts metrics that carry no data.
	DropMetricWithoutData = "metric_without_data"
)

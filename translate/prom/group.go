package prom

import "github.com/greptime-bridge/greptime-bridge/translate"

// seriesSpan is one TimeSeries message of a remote write 1.0 request: its
// bounds in the request.
type seriesSpan struct{ start, end uint32 }

// groupState is the scratch of groupV1, kept across requests.
type groupState struct {
	spans []seriesSpan
	// group[k] is the metric group of spans[k]; order lists span indexes
	// grouped by metric, in order of first appearance, keeping the
	// request's order within a group.
	group  []int32
	order  []int32
	counts []int32
	// groups maps a metric name (interned) to its group.
	groups map[string]int32
}

// maxKeptSpans bounds the series a pooled Converter keeps scratch for
// between requests (16 bytes each): a request of half a million series
// (the default limit) would otherwise leave 8 MB with it.
const maxKeptSpans = 1 << 16

func (g *groupState) reset() {
	if cap(g.spans) > maxKeptSpans {
		g.spans, g.group, g.order = nil, nil, nil
	}
	if len(g.groups) > maxKeptSpans {
		g.groups, g.counts = nil, nil
	}
	g.spans, g.group, g.order, g.counts = g.spans[:0], g.group[:0], g.order[:0], g.counts[:0]
	clear(g.groups)
}

// groupV1 lists the TimeSeries messages of remote write 1.0 request b
// grouped by metric name, so that translateV1 appends a metric table's
// rows one series after another. Senders that spread the series of a
// metric across a request (loadgen's round-robin, vmagent's merged
// queues) otherwise make every series append to another table's columns,
// each out of the processor's first-level cache by then: each series
// wrote eight columns whose headers and tails had to be fetched again
// (issue #12, BenchmarkTranslate rw1/labels=8/samples=1, where appending
// was more than half of the time).
//
// Rows keep their order within each table, and tables their order of
// first appearance, unless a metric's series go to several databases
// (__database__ labels): then tables of one metric name come together.
// GreptimeDB inserts each table's rows in the order they came; the order
// of tables in a request does not change what is written.
//
// It reports false, leaving the request to be read in its own order, when
// grouping would change nothing (every metric's series already come
// together, as Prometheus sends a scrape's), or when the request is not in
// the plain shape it reads: a field other than TimeSeries at the top
// level, malformed framing, a series whose first label is not __name__ in
// the short canonical encoding, or more series than the request limit.
// translateV1 then reports whatever is wrong in the usual order.
func (c *Converter) groupV1(b []byte) bool {
	g := &c.group
	g.reset()
	if len(b) > 1<<31 {
		return false // spans hold 32-bit offsets
	}
	if g.groups == nil {
		g.groups = make(map[string]int32)
	}
	limit := c.opts.Limits.MaxSeriesPerRequest
	var prev []byte
	cur, runs := int32(-1), 0
	for i := 0; i < len(b); {
		// Every top-level field is length-delimited in a request this
		// reads; the key of TimeSeries (field 1) is one byte.
		if b[i] != v1ReqTimeseries<<3|wireLen {
			return false
		}
		start, end, err := lenField(b, i+1)
		if err != nil {
			return false
		}
		i = end
		if translate.Over(len(g.spans)+1, limit) {
			return false
		}
		name, ok := firstMetricName(b[start:end])
		if !ok {
			return false
		}
		if cur < 0 || string(name) != string(prev) {
			k, seen := g.groups[string(name)]
			if !seen {
				k = int32(len(g.groups))
				g.groups[c.str(name)] = k
				g.counts = append(g.counts, 0)
			}
			cur, prev = k, name
			runs++
		}
		g.counts[cur]++
		g.spans = append(g.spans, seriesSpan{uint32(start), uint32(end)})
		g.group = append(g.group, cur)
	}
	if runs <= len(g.groups) {
		return false // each metric's series already come together
	}
	// A counting sort: counts become each group's first slot.
	next := int32(0)
	for k, n := range g.counts {
		g.counts[k] = next
		next += n
	}
	if n := len(g.spans); cap(g.order) >= n {
		g.order = g.order[:n]
	} else {
		g.order = make([]int32, n)
	}
	for s, k := range g.group {
		g.order[g.counts[k]] = int32(s)
		g.counts[k]++
	}
	return true
}

// firstMetricName returns the value of TimeSeries b's first label when
// that label is __name__ in the short canonical encoding every sender
// uses (Prometheus sorts labels by name, and "__name__" sorts before
// every lower-case name).
func firstMetricName(b []byte) ([]byte, bool) {
	// 0x0a len 0x0a 0x08 "__name__" 0x12 len value
	const head = 2 + 2 + len(labelName) + 2
	if len(b) < head || b[0] != 0x0a || b[1] >= 0x80 || b[2] != 0x0a || b[3] != byte(len(labelName)) ||
		string(b[4:4+len(labelName)]) != labelName || b[4+len(labelName)] != 0x12 {
		return nil, false
	}
	n := int(b[5+len(labelName)])
	if n >= 0x80 || head+n != 2+int(b[1]) || head+n > len(b) {
		return nil, false
	}
	return b[head : head+n], true
}

package prom

import (
	"context"
	"fmt"
	"testing"

	"github.com/greptime-bridge/greptime-bridge/translate"
)

// interleaved returns n series spread round-robin over metrics names, with
// label sets that differ by metric (so tables differ in layout), and the
// same series grouped by metric in order of first appearance.
func interleaved(n, metrics int, db func(i int) string) (rr, grouped []series1) {
	byMetric := make([][]series1, metrics)
	for i := 0; i < n; i++ {
		m := i % metrics
		ls := []label{{"__name__", fmt.Sprintf("m_%02d", m)}}
		if d := db(i); d != "" {
			ls = append(ls, label{"__database__", d})
		}
		ls = append(ls, label{"instance", fmt.Sprintf("host-%d", i)}, label{"job", "node"})
		for k := 0; k < m%3; k++ {
			ls = append(ls, label{fmt.Sprintf("l%d", k), fmt.Sprintf("v%d", i*k)})
		}
		s := series1{labels: ls, samples: []sample{{v: float64(i), ts: 1700000000000 + int64(i)}}}
		rr = append(rr, s)
		byMetric[m] = append(byMetric[m], s)
	}
	for _, ss := range byMetric {
		grouped = append(grouped, ss...)
	}
	return rr, grouped
}

// TestGroupedOrderWritesTheSameTables checks that a request whose series
// are spread over its metrics (read grouped by groupV1) gives the same
// tables, rows and row order as the same series sent grouped (read in
// their own order).
func TestGroupedOrderWritesTheSameTables(t *testing.T) {
	for _, tc := range []struct {
		name string
		db   func(int) string
	}{
		{"one database", func(int) string { return "" }},
		{"series routed by __database__", func(i int) string {
			if i%4 == 0 {
				return "other"
			}
			return ""
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rr, grouped := interleaved(300, 7, tc.db)
			o := DefaultOptions()
			o.Limits = translate.DefaultLimits()
			c := NewConverter()
			translateWith := func(raw []byte) (string, bool) {
				out := &translate.Output{}
				if err := c.Translate(context.Background(), raw, &o, out); err != nil {
					t.Fatal(err)
				}
				return dump(out), len(c.group.order) > 0
			}
			got, usedRR := translateWith(request1(0, rr...))
			want, usedG := translateWith(request1(0, grouped...))
			if !usedRR || usedG {
				t.Fatalf("grouping used: spread %v (want true), grouped %v (want false)", usedRR, usedG)
			}
			if tc.db(0) == "" {
				if got != want {
					t.Fatalf("spread request:\n%s\ngrouped request:\n%s", got, want)
				}
				return
			}
			// With databases, tables of one metric come together: compare
			// each table's dump whatever the order of tables.
			if a, b := tablesOf(got), tablesOf(want); fmt.Sprint(a) != fmt.Sprint(b) {
				t.Fatalf("spread request:\n%s\ngrouped request:\n%s", got, want)
			}
		})
	}
}

// tablesOf splits a dump into its tables, keyed by their heading.
func tablesOf(d string) map[string]string {
	m := map[string]string{}
	key := ""
	for _, line := range splitLines(d) {
		if len(line) > 6 && line[:6] == "table " {
			key = line
		}
		m[key] += line + "\n"
	}
	return m
}

func splitLines(s string) []string {
	var out []string
	start := 0
	for i := 0; i < len(s); i++ {
		if s[i] == '\n' {
			out = append(out, s[start:i])
			start = i + 1
		}
	}
	return append(out, s[start:])
}

// TestGroupFallsBack checks the shapes groupV1 leaves to the plain loop.
func TestGroupFallsBack(t *testing.T) {
	rr, _ := interleaved(40, 4, func(int) string { return "" })
	o := DefaultOptions()
	o.Limits = translate.DefaultLimits()
	c := NewConverter()
	c.opts = &o
	if !c.groupV1(request1(0, rr...)) {
		t.Fatal("a spread request was not grouped")
	}
	// Metadata after the series: another top-level field.
	if c.groupV1(request1(1, rr...)) {
		t.Fatal("a request with metadata was grouped")
	}
	// A series whose first label is not __name__.
	odd := append([]series1(nil), rr...)
	odd[5].labels = append([]label{{"AAA", "x"}}, odd[5].labels...)
	if c.groupV1(request1(0, odd...)) {
		t.Fatal("a series without a leading __name__ was grouped")
	}
	// Cut short.
	raw := request1(0, rr...)
	if c.groupV1(raw[:len(raw)-3]) {
		t.Fatal("a truncated request was grouped")
	}
	// Over the series limit.
	o.Limits.MaxSeriesPerRequest = 10
	if c.groupV1(raw) {
		t.Fatal("a request over the series limit was grouped")
	}
}

// TestGroupScratchIsBounded checks a pooled Converter lets go of the
// grouping scratch of a very large request instead of keeping it.
func TestGroupScratchIsBounded(t *testing.T) {
	ss := make([]series1, maxKeptSpans+10)
	for i := range ss {
		ss[i] = series1{labels: []label{{"__name__", fmt.Sprintf("m_%d", i%2)}}, samples: []sample{{v: 1, ts: 1}}}
	}
	o := DefaultOptions()
	o.Limits = translate.DefaultLimits()
	c := NewConverter()
	c.opts = &o
	if !c.groupV1(request1(0, ss...)) {
		t.Fatal("the request was not grouped")
	}
	if cap(c.group.spans) <= maxKeptSpans {
		t.Fatalf("spans capacity %d, want past %d", cap(c.group.spans), maxKeptSpans)
	}
	c.Reset() // as the pool's Translate does before it puts a Converter back
	if cap(c.group.spans) != 0 || cap(c.group.order) != 0 || cap(c.group.group) != 0 {
		t.Fatalf("scratch kept after reset: spans %d, order %d, group %d", cap(c.group.spans), cap(c.group.order), cap(c.group.group))
	}
	// A small request keeps its scratch.
	c.opts = &o
	if !c.groupV1(request1(0, ss[:100]...)) {
		t.Fatal("the small request was not grouped")
	}
	c.group.reset()
	if cap(c.group.spans) == 0 {
		t.Fatal("a small request's scratch was dropped")
	}
}

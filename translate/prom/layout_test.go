package prom

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/greptime-bridge/greptime-bridge/translate"
)

// layoutRequest builds a request over a few metrics whose series draw
// their label names from a small pool, with invalid, colliding and
// repeated names now and then, so consecutive requests often (not always)
// give a table's first series the names its last one had before.
func layoutRequest(r *rand.Rand, v Version) []byte {
	names := []string{"instance", "job", "zone", "a-b", "a_b", "9x", "le", "greptime_value", "x_greptime_database", "__physical_table__"}
	var ss []series1
	for range 1 + r.IntN(12) {
		ls := []label{{labelName, fmt.Sprintf("m%d", r.IntN(4))}}
		n := r.IntN(4)
		if r.IntN(4) > 0 {
			n = 2 // the usual stable set: instance, job
		}
		for k := range n {
			name := names[k]
			if r.IntN(8) == 0 {
				name = names[r.IntN(len(names))]
			}
			ls = append(ls, label{name, fmt.Sprintf("v%d", r.IntN(3))})
		}
		if r.IntN(3) == 0 {
			r.Shuffle(len(ls), func(i, j int) { ls[i], ls[j] = ls[j], ls[i] })
		}
		sm := make([]sample, r.IntN(3))
		for j := range sm {
			sm[j] = sample{v: float64(j), ts: int64(1000 + j)}
		}
		ss = append(ss, series1{labels: ls, samples: sm})
	}
	if v == V2 {
		q := newReq2()
		for _, s := range ss {
			q.add(series2{labels: s.labels, samples: s.samples, mtype: 1})
		}
		return q.encode()
	}
	return request1(0, ss...)
}

// A Converter that keeps tag layouts across requests gives every request
// the result (tables, columns, rows, error) of a fresh Converter, whatever
// the label names, their order and the options of the requests before.
func TestLayoutsKeepResults(t *testing.T) {
	r := rand.New(rand.NewPCG(12, 1))
	kept := NewConverter()
	for i := range 3000 {
		o := DefaultOptions()
		o.Version = []Version{V1, V2}[r.IntN(2)]
		o.LabelNames = []LabelNameMode{LabelNamesReject, LabelNamesSanitize}[r.IntN(2)]
		o.Database = []string{"", "other"}[r.IntN(2)]
		raw := layoutRequest(r, o.Version)
		var got, want translate.Output
		gerr := kept.Translate(context.Background(), raw, &o, &got)
		werr := NewConverter().Translate(context.Background(), raw, &o, &want)
		if fmt.Sprint(gerr) != fmt.Sprint(werr) {
			t.Fatalf("request %d: error %v, fresh converter %v", i, gerr, werr)
		}
		if gerr != nil {
			continue
		}
		if g, w := dump(&got), dump(&want); g != w {
			t.Fatalf("request %d (%+v):\n%s\nfresh converter:\n%s", i, o, g, w)
		}
	}
	if kept.nlayouts == 0 {
		t.Fatal("no layout kept")
	}
}

// The layout path is taken: a second request with the same label names
// adds the table's columns from the layout, and a later series of the
// table with other names still finds them by name.
func TestLayoutUsedAndColumnsFound(t *testing.T) {
	c := NewConverter()
	first := request1(0, series1{labels: lbl("__name__", "m", "instance", "h1", "job", "j"), samples: []sample{{1, 1}}})
	var out translate.Output
	if err := c.Translate(t.Context(), first, v1opts(), &out); err != nil {
		t.Fatal(err)
	}
	if l := c.layoutOf(&dbState{}, "m"); l == nil || fmt.Sprint(l.names) != "[instance job]" {
		t.Fatalf("layout %+v", l)
	}
	// A request with the same names takes the layout path, which leaves
	// the column map to be filled when needed.
	out = translate.Output{}
	if err := c.Translate(t.Context(), first, v1opts(), &out); err != nil {
		t.Fatal(err)
	}
	if len(c.active) != 1 || !c.active[0].lazyCols {
		t.Fatal("layout path not taken")
	}
	if g, w := dump(&out), dump(mustRun(t, v1opts(), first)); g != w {
		t.Fatalf("%s\nfresh converter:\n%s", g, w)
	}
	second := request1(0,
		series1{labels: lbl("__name__", "m", "instance", "h2", "job", "j"), samples: []sample{{2, 2}}},
		series1{labels: lbl("__name__", "m", "job", "k", "zone", "z"), samples: []sample{{3, 3}}},
	)
	out = translate.Output{}
	if err := c.Translate(t.Context(), second, v1opts(), &out); err != nil {
		t.Fatal(err)
	}
	b := batch(t, &out, "", "m")
	if b.NumColumns() != 5 || b.Rows() != 2 {
		t.Fatalf("\n%s", dump(&out))
	}
	for _, w := range []struct {
		col  string
		row  int
		want string
		ok   bool
	}{{"instance", 0, "h2", true}, {"job", 0, "j", true}, {"job", 1, "k", true}, {"instance", 1, "", false}, {"zone", 1, "z", true}} {
		if s, ok := str(t, b, w.col, w.row); s != w.want || ok != w.ok {
			t.Errorf("%s[%d] = %q, %v; want %q\n%s", w.col, w.row, s, ok, w.want, dump(&out))
		}
	}
	// The second request's last series had other names: the layout follows.
	if l := c.layoutOf(&dbState{}, "m"); fmt.Sprint(l.names) != "[job zone]" {
		t.Fatalf("layout %v", l.names)
	}
}

// Layouts are bounded: past layoutLimit tables they are dropped.
func TestLayoutLimit(t *testing.T) {
	c := NewConverter()
	for i := range layoutLimit + 10 {
		raw := request1(0, series1{labels: lbl("__name__", fmt.Sprintf("m%d", i), "job", "j"), samples: []sample{{1, 1}}})
		if err := c.Translate(t.Context(), raw, v1opts(), &translate.Output{}); err != nil {
			t.Fatal(err)
		}
		if c.nlayouts > layoutLimit {
			t.Fatalf("%d layouts kept", c.nlayouts)
		}
	}
	if c.nlayouts != 10 {
		t.Fatalf("%d layouts after the limit, want 10", c.nlayouts)
	}
}

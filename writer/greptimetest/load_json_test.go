package greptimetest

import (
	"strings"
	"testing"

	"google.golang.org/protobuf/proto"
)

// TestLoadWalksJSON checks that requests with JSON columns are walked,
// not decoded in full, and get prepare_rows' answers: the first error in
// column-major order, the Unexpected error for a value that is not a
// string, and rows stored once the text is valid.
func TestLoadWalksJSON(t *testing.T) {
	want := map[string]string{
		"json":                "greptime 1004: Invalid json text: {not json",
		"json ok":             "ok, 2 rows",
		"json not string":     "greptime 1002: Unexpected, violated: Expected to value data to be a string.",
		"json column order":   "greptime 1004: Invalid json text: nul",
		"json second insert":  "greptime 1004: Invalid json text: {]",
		"json with extension": "ok, 1 rows",
		"json short row":      "greptime 1004: Invalid json text: {",
		"json binary value":   "greptime 1002: Unexpected, violated: Expected to value data to be a string.",
	}
	m := newModes(Options{})
	seen := 0
	for _, c := range diffCorpus() {
		if !strings.HasPrefix(c.name, "json") {
			continue
		}
		data, err := proto.Marshal(c.req)
		if err != nil {
			t.Fatal(err)
		}
		lr := getLoadRequest()
		if err := lr.decode(data); err != nil || lr.full != nil {
			t.Fatalf("%s: decode error %v, full decode %v", c.name, err, lr.full != nil)
		}
		putLoadRequest(lr)
		got := m.step(data, c.hint)
		if w, ok := want[c.name]; ok {
			seen++
			if got[2] != w {
				t.Errorf("%s: load %q, want %q", c.name, got[2], w)
			}
		}
		if got[0] != got[2] || got[1] != got[2] {
			t.Errorf("%s: normal %q, count-only %q, load %q", c.name, got[0], got[1], got[2])
		}
	}
	if seen != len(want) {
		t.Fatalf("%d of %d cases seen", seen, len(want))
	}
	m.check(t)
}

package greptimetest

import (
	"testing"
	"unicode/utf8"

	"google.golang.org/protobuf/proto"
)

// addLoadSeeds seeds a fuzz target with the differential corpus and with
// bytes protobuf refuses in each way the walker checks.
func addLoadSeeds(f *testing.F, add func(data []byte, hint string)) {
	for _, c := range diffCorpus() {
		b, err := proto.Marshal(c.req)
		if err != nil {
			f.Fatal(err)
		}
		add(b, c.hint)
	}
	for _, b := range [][]byte{
		{0x32, 0x05},                                     // row_inserts longer than the input
		{0x32, 0x03, 0x0a, 0x01, 0x00},                   // field number 0
		{0x32, 0x02, 0x80, 0x00},                         // field number 0 in a two-byte tag
		{0x32, 0x05, 0x0a, 0x03, 0x0a, 0x01, 0xff},       // table name not UTF-8
		{0x32, 0x02, 0x0c, 0x00},                         // stray end-group
		{0x32, 0x06, 0x0a, 0x04, 0x12, 0x02, 0x12, 0x00}, // an empty row
		{0xfa, 0xff, 0xff, 0xff, 0x0f, 0x00},             // field number above 2^29-1
	} {
		add(b, "")
	}
}

// FuzzLoadWalk checks the walker against proto.Unmarshal on arbitrary
// bytes: both fail with the same message or both read the same header,
// tables, schemas, row lengths and value variants. A panic fails too.
func FuzzLoadWalk(f *testing.F) {
	addLoadSeeds(f, func(b []byte, _ string) { f.Add(b) })
	f.Fuzz(func(t *testing.T, data []byte) {
		compareWalk(t, data)
		// Bounded work: every value, row and column the walk records took
		// at least two bytes of input (a tag and a length).
		lr := getLoadRequest()
		defer putLoadRequest(lr)
		if lr.decode(data) == nil && 2*(len(lr.kinds)+len(lr.lens)+len(lr.schema)) > len(data) {
			t.Fatalf("%d bytes gave %d values, %d rows, %d columns", len(data), len(lr.kinds), len(lr.lens), len(lr.schema))
		}
	})
}

// FuzzLoadDifferential serves arbitrary bytes with arbitrary hints twice
// (the second call meets the tables the first created) in the three
// modes: every answer and the resulting catalogs must agree.
func FuzzLoadDifferential(f *testing.F) {
	addLoadSeeds(f, func(b []byte, hint string) { f.Add(b, hint) })
	f.Fuzz(func(t *testing.T, data []byte, hint string) {
		m := newModes(Options{})
		for range 2 {
			if got := m.step(data, hint); got[0] != got[2] || got[1] != got[2] {
				t.Fatalf("normal %q, count-only %q, load %q", got[0], got[1], got[2])
			}
		}
		m.check(t)
	})
}

// FuzzValidUTF8 checks the fast path against utf8.Valid.
func FuzzValidUTF8(f *testing.F) {
	for _, s := range []string{"", "a", "abc", "abcd", "abcdefg", "abcdefgh", "value-3-17", "0123456789abcdef", "0123456789abcdefg", "é", "abcdefgé", "\xff", "abcdefg\xff", "abc\xe2\x82"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		if validUTF8(b) != utf8.Valid(b) {
			t.Fatalf("validUTF8(%q) = %v", b, validUTF8(b))
		}
	})
}

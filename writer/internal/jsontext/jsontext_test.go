package jsontext

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
)

// jsonSeeds are texts on both sides of the JSON grammar's edges.
func jsonSeeds() []string {
	s := []string{
		``, ` `, `{}`, `[]`, `null`, `true`, `tru`, `truex`, `nul`, `false `, `"x"`, `"x`, `1`, `-0`, `-`, `--1`, `01`,
		`-01`, `1.`, `.5`, `1.5`, `1e5`, `1E+5`, `1e-5`, `1e`, `1e+`, `0.0e0`, `1x`, `{"a":1}`, `{"a":1,}`, `[1,]`, `[,1]`,
		`[1 2]`, `{"a" : [true,false,null]}`, ` 1 `, `1 2`, `{"a"}`, `{"a":}`, `{:1}`, `{1:1}`, `{"a":1 "b":2}`,
		`{"a":1,"b":[{"c":{}}],"d":""}`, `[[]`, `[]]`, `{]`, `[}`, `"\u00e9"`, `"\u00g9"`, `"\u00e"`, `"\uABCD"`,
		`"\/"`, `"\q"`, `"\"`, `"\\"`, "\"\x01\"", "\"\x1f\"", "\"\x7f\"", "\"\xff\"", "\"\xc3\xa9\"",
		`{"a":{"b":{"c":[[[]]]}}}`, "\t{\n}\r", "\x00", "1\x00", `"\ud800"`, `[1e400]`, `{"a":"b"}x`, "\ufeff1",
		`[-]`, `[-1.e2]`, `{"a":-}`,
	}
	for _, n := range []int{maxJSONDepth - 1, maxJSONDepth, maxJSONDepth + 1} {
		s = append(s,
			strings.Repeat("[", n)+strings.Repeat("]", n),
			strings.Repeat(`{"a":`, n)+"1"+strings.Repeat("}", n),
			strings.Repeat("[", n)+strings.Repeat("]", n-1))
	}
	return s
}

// TestValidAgrees: Valid accepts and refuses what encoding/json
// does on the grammar's edges, nesting depth included.
func TestValidAgrees(t *testing.T) {
	for _, s := range jsonSeeds() {
		if got, want := Valid([]byte(s)), json.Valid([]byte(s)); got != want {
			t.Errorf("%.40q (%d bytes): Valid %v, encoding/json %v", s, len(s), got, want)
		}
	}
	// Far past the limit the walk stays bounded: no recursion.
	if Valid([]byte(strings.Repeat("[", 10<<20))) {
		t.Error("10 Mi open brackets are valid")
	}
}

// FuzzValidAgrees: on any input Valid answers as encoding/json.Valid.
func FuzzValidAgrees(f *testing.F) {
	for _, s := range jsonSeeds() {
		if len(s) < 1000 {
			f.Add([]byte(s))
		}
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		if got, want := Valid(b), json.Valid(b); got != want {
			t.Fatalf("%q: Valid %v, encoding/json %v", b, got, want)
		}
	})
}

// BenchmarkValid checks a log record's attributes rendered as a JSON
// object (14 keys), with Valid and with encoding/json.
func BenchmarkValid(b *testing.B) {
	m := map[string]any{"n": 12345.5, "b": true}
	for i := 0; i < 12; i++ {
		m[fmt.Sprintf("attribute.key.%d", i)] = fmt.Sprintf("value-%d-abcdefghij", i*7919)
	}
	doc, err := json.Marshal(m)
	if err != nil {
		b.Fatal(err)
	}
	for _, v := range []struct {
		name  string
		valid func([]byte) bool
	}{{"jsontext", Valid}, {"encoding-json", json.Valid}} {
		b.Run(v.name, func(b *testing.B) {
			b.SetBytes(int64(len(doc)))
			b.ReportAllocs()
			for b.Loop() {
				if !v.valid(doc) {
					b.Fatal("invalid")
				}
			}
		})
	}
}

package greptimetest

import (
	"encoding/json"
	"testing"
)

// jsonSeeds are texts on both sides of the JSON grammar's edges.
var jsonSeeds = []string{
	``, ` `, `{}`, `[]`, `null`, `true`, `tru`, `"x"`, `"x`, `1`, `-0`, `01`, `1.`, `.5`, `1e5`, `1E+5`, `1e`,
	`-`, `--1`, `{"a":1}`, `{"a":1,}`, `[1,]`, `{"a" : [true,false,null]}`, ` 1 `, `1 2`, `{"a"}`,
	`"\u00e9"`, `"\u00g9"`, `"\/"`, `"\q"`, "\"\x01\"", "\"\xff\"", "\"\xc3\xa9\"", `{"a":{"b":{"c":[[[]]]}}}`,
	"\t{\n}\r", "\x00", `"\ud800"`, `[1e400]`, `{"a":"b"}x`,
}

// TestValidJSONAgrees: validJSON accepts and refuses what encoding/json
// does on the grammar's edges.
func TestValidJSONAgrees(t *testing.T) {
	for _, s := range jsonSeeds {
		if got, want := validJSON([]byte(s)), json.Valid([]byte(s)); got != want {
			t.Errorf("%q: validJSON %v, encoding/json %v", s, got, want)
		}
	}
}

// FuzzValidJSONAgrees: on any input validJSON answers as encoding/json.Valid.
func FuzzValidJSONAgrees(f *testing.F) {
	for _, s := range jsonSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		if got, want := validJSON(b), json.Valid(b); got != want {
			t.Fatalf("%q: validJSON %v, encoding/json %v", b, got, want)
		}
	})
}

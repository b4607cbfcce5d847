package otlp

import (
	"bytes"
	"encoding/json"
	"testing"
)

// jsonDepth is the nesting depth of a valid JSON document, read by
// encoding/json's tokenizer: an independent count to hold checkJSONDepth to.
func jsonDepth(body []byte) int {
	dec := json.NewDecoder(bytes.NewReader(body))
	depth, deepest := 0, 0
	for {
		tok, err := dec.Token()
		if err != nil {
			return deepest
		}
		switch tok {
		case json.Delim('{'), json.Delim('['):
			depth++
			deepest = max(deepest, depth)
		case json.Delim('}'), json.Delim(']'):
			depth--
		}
	}
}

// FuzzJSONDepth holds the OTLP/JSON depth check to encoding/json on every
// valid document: refused exactly when it nests deeper than the limit
// (a small one here, so the fuzzer reaches it), whatever strings, escapes
// and brackets inside strings it holds. Invalid documents only must not
// panic: pdata refuses them.
func FuzzJSONDepth(f *testing.F) {
	for _, s := range []string{
		`{"resourceLogs":[{"resource":{"attributes":[{"key":"k","value":{"arrayValue":{"values":[]}}}]}}]}`,
		`{"a":"[[[[[[","b":"\"{{{{{{"}`,
		`[[[[]]]]`, `[[[[[]]]]]`, `"\\"`, `{"k":["\\\"[",{"x":[1,2,{"y":null}]}]}`,
	} {
		f.Add([]byte(s))
	}
	const limit = 4
	f.Fuzz(func(t *testing.T, body []byte) {
		err := checkJSONDepth(body, limit)
		if !json.Valid(body) {
			return
		}
		if d := jsonDepth(body); (d > limit) != (err != nil) {
			t.Fatalf("document nested %d deep, limit %d: check said %v", d, limit, err)
		}
	})
}

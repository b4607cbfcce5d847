package queue

import (
	"bytes"
	"testing"

	"github.com/greptime-bridge/greptime-bridge/translate"
)

// FuzzDecodeRecord feeds arbitrary payloads to the record decoder (what a
// checksum collision or another version's record would give it): it must
// return an error or batches and a source, never panic, and never build
// more rows than the payload could describe. A payload that decodes must
// encode back to one that decodes to the same rows and source.
func FuzzDecodeRecord(f *testing.F) {
	f.Add(appendRecord(nil, sampleOutput(f), nil, 1))
	f.Add(appendRecord(nil, request("m", 0, 3), sampleSource(), 2))
	f.Add(appendRecord(nil, request("m", 0, 1), &translate.Source{Signal: "traces"}, 3))
	f.Add([]byte{codecVersion, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0})
	f.Add([]byte{codecVersion1, 0, 0, 0, 0, 0, 0, 0, 0, 0})
	f.Fuzz(func(t *testing.T, p []byte) {
		var out translate.Output
		if err := decodeRecord(p, &out); err != nil {
			return
		}
		if out.Rows() > 8*len(p) {
			t.Fatalf("%d rows from %d bytes", out.Rows(), len(p))
		}
		src, err := recordSource(p)
		if err != nil {
			t.Fatalf("a record that decodes has a source that does not: %v", err)
		}
		if src != nil && len(src.Payload)+len(src.Options) > len(p) {
			t.Fatalf("a source of %d options and %d bytes from %d bytes", len(src.Options), len(src.Payload), len(p))
		}
		again := appendRecord(nil, &out, src, 1)
		var back translate.Output
		if err := decodeRecord(again, &back); err != nil {
			t.Fatalf("a decoded record does not encode back: %v", err)
		}
		if back.Rows() != out.Rows() {
			t.Fatalf("re-encoding changed the record: %d rows, then %d", out.Rows(), back.Rows())
		}
		srcBack, err := recordSource(again)
		if err != nil || !sameSource(src, srcBack) {
			t.Fatalf("re-encoding changed the source: %+v, then %+v (%v)", src, srcBack, err)
		}
		if noOptions(&out) && !bytes.Equal(appendRecord(nil, &back, srcBack, 1), again) {
			t.Fatal("re-encoding changed the record's bytes")
		}
	})
}

// noOptions reports whether no column carries options (whose map order
// makes two encodings of the same record differ byte for byte).
func noOptions(o *translate.Output) bool {
	for _, b := range o.Batches {
		for _, c := range b.Columns() {
			if len(c.Options) > 1 {
				return false
			}
		}
	}
	return true
}

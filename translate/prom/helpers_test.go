package prom

import (
	"context"
	"strings"
	"testing"

	"github.com/greptime-bridge/greptime-bridge/translate"
	"github.com/greptime-bridge/greptime-bridge/writer/errs"
	"github.com/greptime-bridge/greptime-bridge/writer/table"
)

func v1opts() *Options {
	o := DefaultOptions()
	return &o
}

func v2opts() *Options { o := v1opts(); o.Version = V2; return o }

func run(t *testing.T, opts *Options, raw []byte) (*translate.Output, error) {
	t.Helper()
	out := &translate.Output{}
	err := Translate(context.Background(), raw, opts, out)
	if err == nil {
		for _, b := range out.Batches {
			if verr := b.Validate(); verr != nil {
				t.Fatalf("batch %q does not validate: %v", b.Table, verr)
			}
		}
	}
	return out, err
}

func mustRun(t *testing.T, opts *Options, raw []byte) *translate.Output {
	t.Helper()
	out, err := run(t, opts, raw)
	if err != nil {
		t.Fatalf("translate: %v", err)
	}
	return out
}

// wantErr checks a permanent error containing every fragment.
func wantErr(t *testing.T, err error, fragments ...string) {
	t.Helper()
	if err == nil {
		t.Fatalf("expected an error containing %q, got none", fragments)
	}
	if !errs.IsPermanent(err) {
		t.Errorf("error %q is not permanent", err)
	}
	for _, f := range fragments {
		if !strings.Contains(err.Error(), f) {
			t.Errorf("error %q does not contain %q", err, f)
		}
	}
}

func batch(t *testing.T, out *translate.Output, db, name string) *table.Batch {
	t.Helper()
	b, ok := out.Lookup(db, name)
	if !ok {
		t.Fatalf("no table %q in database %q; output:\n%s", name, db, dump(out))
	}
	return b
}

func str(t *testing.T, b *table.Batch, col string, row int) (string, bool) {
	t.Helper()
	c := b.Column(col)
	if c == nil {
		t.Fatalf("table %q has no column %q", b.Table, col)
	}
	return c.String(row)
}

func hint(b *table.Batch, key string) string { v, _ := b.Hints.Get(key); return v }

func lbl(kv ...string) []label {
	var ls []label
	for i := 0; i+1 < len(kv); i += 2 {
		ls = append(ls, label{kv[i], kv[i+1]})
	}
	return ls
}

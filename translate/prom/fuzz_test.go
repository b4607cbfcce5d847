package prom

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/greptime-bridge/greptime-bridge/translate"
	"github.com/greptime-bridge/greptime-bridge/writer/errs"
)

// The fuzz targets feed arbitrary bytes to both decoders in every mode; they
// must never panic, whatever they refuse must be refused as bad data (a
// permanent error: the receivers answer it with 400, and a retryable one would
// make the sender resend it forever), and whatever they accept must validate
// and hold a number of rows linear in the input (a packed bucket delta is one
// byte and becomes one row; an empty histogram of two bytes becomes three:
// count, sum and the +Inf bucket), so no input amplifies into unbounded work.
// A fresh Converter must give what a pooled one (with the state earlier
// inputs left) gives. Each input runs under small shape limits, so the fuzzer reaches every limit
// check, and again without them: a limit may only refuse, naming itself.
// Committed seeds under testdata/fuzz hold Prometheus 2.42's captured
// requests and client_golang-encoded remote write 2.0 requests.
func fuzzDecode(f *testing.F, v Version, seeds [][]byte) {
	for _, s := range seeds {
		f.Add(s, uint8(0))
	}
	f.Fuzz(func(t *testing.T, raw []byte, mode uint8) {
		o := DefaultOptions()
		o.Version = v
		o.LabelNames = LabelNameMode(mode & 1)
		o.UTF8 = UTF8Mode((mode >> 1) % 3)
		o.NativeHistograms = NativeHistogramMode((mode >> 3) & 1)
		o.DB.MetricEngine = mode&16 == 0
		o.Limits = fuzzLimits
		limited, lerr := fuzzTranslate(t, raw, &o)
		// The same request without limits: a limit may only refuse, with
		// an error naming it, and never changes what an accepted request
		// becomes.
		o.Limits = translate.Limits{}
		free, ferr := fuzzTranslate(t, raw, &o)
		// Translate's pooled converters keep state across requests (the
		// intern table, tag layouts): a fresh converter must agree.
		fresh := &translate.Output{}
		if err := NewConverter().Translate(context.Background(), raw, &o, fresh); fmt.Sprint(err) != fmt.Sprint(ferr) {
			t.Fatalf("pooled converter: %v; fresh converter: %v", ferr, err)
		} else if err == nil && dump(fresh) != free {
			t.Fatalf("pooled and fresh converters differ:\n--- pooled\n%s\n--- fresh\n%s", free, dump(fresh))
		}
		switch {
		case lerr == nil && ferr != nil:
			t.Fatalf("accepted under limits, refused without them: %v", ferr)
		case lerr == nil && limited != free:
			t.Fatalf("limits changed an accepted translation:\n--- limited\n%s\n--- unlimited\n%s", limited, free)
		case lerr != nil && ferr == nil && !errors.As(lerr, new(*translate.ExceededError)):
			t.Fatalf("refused under limits with an error that names no limit: %v", lerr)
		}
	})
}

// fuzzLimits are shape limits small enough that the fuzzer reaches each of
// them.
var fuzzLimits = translate.Limits{
	MaxLabelsPerSeries: 8, MaxLabelNameLength: 32, MaxLabelValueLength: 64, MaxSeriesPerRequest: 64,
}

// fuzzTranslate translates raw with o and checks the result; it returns
// the output's dump.
func fuzzTranslate(t *testing.T, raw []byte, o *Options) (string, error) {
	out := &translate.Output{}
	if err := Translate(context.Background(), raw, o, out); err != nil {
		if !errs.IsPermanent(err) {
			t.Fatalf("refused input with a retryable error: %v", err)
		}
		return "", err
	}
	rows := 0
	for _, b := range out.Batches {
		if err := b.Validate(); err != nil {
			t.Fatalf("accepted input gave an invalid batch %q: %v", b.Table, err)
		}
		rows += b.Rows()
	}
	if rows > 2*len(raw) {
		t.Fatalf("%d input bytes became %d rows", len(raw), rows)
	}
	return dump(out), nil
}

func FuzzDecodeRW1(f *testing.F) {
	fuzzDecode(f, V1, [][]byte{
		request1(1, series1{labels: lbl("__name__", "m", "job", "a", "job", "b"), samples: []sample{{1, 1}}, exemplars: 1}),
		request1(0, series1{labels: lbl("__name__", "m", "__schema__", "s", "__physical_table__", "p"), samples: []sample{{1, 1}, {2, 2}}}),
	})
}

func FuzzDecodeRW2(f *testing.F) {
	h := hist2{countInt: 3, schema: 0, pos: []span{{0, 2}}, posDeltas: []int64{1, 1}, zeroCountInt: 1, zeroThreshold: 0.1}
	fuzzDecode(f, V2, [][]byte{
		newReq2().add(series2{labels: lbl("__name__", "m", "job", "a"), samples: []sample{{1, 1}}, mtype: 1, unit: "bytes", exemplars: 1, startTS: 3}).encode(),
		newReq2().add(series2{labels: lbl("__name__", "h"), hists: [][]byte{h.encode()}}).encode(),
	})
}

package prom

import (
	"context"
	"testing"

	"github.com/greptime-bridge/greptime-bridge/translate"
)

// The fuzz targets feed arbitrary bytes to both decoders in every mode; they
// must never panic, and whatever they accept must validate.
func fuzzDecode(f *testing.F, v Version, seeds [][]byte) {
	for _, s := range seeds {
		f.Add(s, uint8(0))
	}
	f.Fuzz(func(t *testing.T, raw []byte, mode uint8) {
		o := DefaultOptions()
		o.Version, o.Encoding = v, Identity
		o.LabelNames = LabelNameMode(mode & 1)
		o.UTF8 = UTF8Mode((mode >> 1) % 3)
		o.NativeHistograms = NativeHistogramMode((mode >> 3) & 1)
		o.DB.MetricEngine = mode&16 == 0
		out := &translate.Output{}
		if err := Translate(context.Background(), raw, &o, out); err != nil {
			return
		}
		for _, b := range out.Batches {
			if err := b.Validate(); err != nil {
				t.Fatalf("accepted input gave an invalid batch %q: %v", b.Table, err)
			}
		}
	})
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

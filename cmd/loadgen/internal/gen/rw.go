package gen

import (
	"fmt"
	"math"
	"time"

	"google.golang.org/protobuf/encoding/protowire"
)

// RemoteWrite shapes remote-write requests: a SeriesSet cut into requests
// of SeriesPerRequest consecutive series with SamplesPerSeries samples.
type RemoteWrite struct {
	SeriesSet
	SeriesPerRequest int
	SamplesPerSeries int
	// Version2 encodes io.prometheus.write.v2.Request instead of
	// prometheus.WriteRequest.
	Version2 bool
}

// Requests encodes the whole series set once: one template per request,
// ceil(Series/SeriesPerRequest) of them, stamped with now.
func (r RemoteWrite) Requests(now time.Time) ([]*Template, error) {
	if err := r.Validate(); err != nil {
		return nil, err
	}
	if r.SeriesPerRequest < 1 || r.SamplesPerSeries < 1 {
		return nil, fmt.Errorf("series per request %d, samples per series %d: want at least 1 each", r.SeriesPerRequest, r.SamplesPerSeries)
	}
	var out []*Template
	for first := 0; first < r.Series; first += r.SeriesPerRequest {
		last := min(first+r.SeriesPerRequest, r.Series)
		var t *Template
		if r.Version2 {
			t = r.encode2(first, last, now)
		} else {
			t = r.encode1(first, last, now)
		}
		out = append(out, t)
	}
	return out, nil
}

// sampleValue is a plausible value: counters grow, gauges wander.
func sampleValue(i, j int) float64 { return float64(i%977)*12.5 + float64(j) }

// appendSample appends a Sample message (value=1 double, timestamp=2
// int64 in both versions) as field `field` of ts and returns ts and the
// offset of its timestamp varint.
func appendSample(ts []byte, v float64, ms int64) ([]byte, int) {
	tsLen := protowire.SizeVarint(uint64(ms))
	ts = protowire.AppendTag(ts, 2, protowire.BytesType)
	ts = protowire.AppendVarint(ts, uint64(1+8+1+tsLen))
	ts = protowire.AppendTag(ts, 1, protowire.Fixed64Type)
	ts = protowire.AppendFixed64(ts, math.Float64bits(v))
	ts = protowire.AppendTag(ts, 2, protowire.VarintType)
	off := len(ts)
	return protowire.AppendVarint(ts, uint64(ms)), off
}

func (r RemoteWrite) newTemplate(now time.Time) *Template {
	return &Template{kind: stampMillisVarint, width: protowire.SizeVarint(uint64(now.UnixMilli())), perSeries: r.SamplesPerSeries}
}

// encode1 writes a prometheus.WriteRequest (prompb/remote.proto:
// timeseries=1; TimeSeries labels=1, samples=2; Label name=1, value=2).
func (r RemoteWrite) encode1(first, last int, now time.Time) *Template {
	t := r.newTemplate(now)
	var ls []Label
	var ts, lb []byte
	ms := now.UnixMilli()
	for i := first; i < last; i++ {
		ls = r.SeriesLabels(ls[:0], i)
		ts = ts[:0]
		for _, l := range ls {
			lb = protowire.AppendTag(lb[:0], 1, protowire.BytesType)
			lb = protowire.AppendString(lb, l.Name)
			lb = protowire.AppendTag(lb, 2, protowire.BytesType)
			lb = protowire.AppendString(lb, l.Value)
			ts = protowire.AppendTag(ts, 1, protowire.BytesType)
			ts = protowire.AppendBytes(ts, lb)
		}
		var offs []int
		for j := range r.SamplesPerSeries {
			var off int
			ts, off = appendSample(ts, sampleValue(i, j), ms-int64(r.SamplesPerSeries-1-j)*scrapeInterval.Milliseconds())
			offs = append(offs, off)
		}
		t.Body = protowire.AppendTag(t.Body, 1, protowire.BytesType)
		t.Body = protowire.AppendVarint(t.Body, uint64(len(ts)))
		for _, off := range offs {
			t.stamps = append(t.stamps, len(t.Body)+off)
		}
		t.Body = append(t.Body, ts...)
		t.Items += r.SamplesPerSeries
	}
	return t
}

// metricType is the remote write 2.0 Metadata.MetricType of metric k:
// COUNTER (1) for _total names, GAUGE (2) otherwise.
func metricType(k int) uint64 {
	if metricUnit[k%len(metricUnit)] == "total" {
		return 1
	}
	return 2
}

// encode2 writes an io.prometheus.write.v2.Request (symbols=4,
// timeseries=5; TimeSeries labels_refs=1 packed, samples=2, metadata=5;
// Metadata type=1, help_ref=3, unit_ref=4), symbols[0] = "" as the spec
// requires.
func (r RemoteWrite) encode2(first, last int, now time.Time) *Template {
	t := r.newTemplate(now)
	symbols := []string{""}
	index := map[string]uint64{"": 0}
	ref := func(s string) uint64 {
		if n, ok := index[s]; ok {
			return n
		}
		index[s] = uint64(len(symbols))
		symbols = append(symbols, s)
		return index[s]
	}
	var ls []Label
	var series, ts, refs, md []byte
	var stamps []int
	ms := now.UnixMilli()
	for i := first; i < last; i++ {
		ls = r.SeriesLabels(ls[:0], i)
		refs = refs[:0]
		for _, l := range ls {
			refs = protowire.AppendVarint(refs, ref(l.Name))
			refs = protowire.AppendVarint(refs, ref(l.Value))
		}
		ts = protowire.AppendTag(ts[:0], 1, protowire.BytesType)
		ts = protowire.AppendBytes(ts, refs)
		var offs []int
		for j := range r.SamplesPerSeries {
			var off int
			ts, off = appendSample(ts, sampleValue(i, j), ms-int64(r.SamplesPerSeries-1-j)*scrapeInterval.Milliseconds())
			offs = append(offs, off)
		}
		k := i % r.Names
		md = protowire.AppendTag(md[:0], 1, protowire.VarintType)
		md = protowire.AppendVarint(md, metricType(k))
		md = protowire.AppendTag(md, 3, protowire.VarintType)
		md = protowire.AppendVarint(md, ref("Help text of "+MetricName(k)+"."))
		ts = protowire.AppendTag(ts, 5, protowire.BytesType)
		ts = protowire.AppendBytes(ts, md)
		series = protowire.AppendTag(series, 5, protowire.BytesType)
		series = protowire.AppendVarint(series, uint64(len(ts)))
		for _, off := range offs {
			stamps = append(stamps, len(series)+off)
		}
		series = append(series, ts...)
		t.Items += r.SamplesPerSeries
	}
	for _, s := range symbols {
		t.Body = protowire.AppendTag(t.Body, 4, protowire.BytesType)
		t.Body = protowire.AppendString(t.Body, s)
	}
	for _, off := range stamps {
		t.stamps = append(t.stamps, len(t.Body)+off)
	}
	t.Body = append(t.Body, series...)
	return t
}

package prom

import (
	"encoding/binary"
	"math"
)

// A minimal protobuf encoder for hand-written test requests.

func pbVarint(b []byte, v uint64) []byte { return binary.AppendUvarint(b, v) }

func pbKey(b []byte, num, typ int) []byte { return pbVarint(b, uint64(num)<<3|uint64(typ)) }

func pbBytes(b []byte, num int, v []byte) []byte {
	b = pbKey(b, num, wireLen)
	b = pbVarint(b, uint64(len(v)))
	return append(b, v...)
}

func pbString(b []byte, num int, v string) []byte { return pbBytes(b, num, []byte(v)) }

func pbUint(b []byte, num int, v uint64) []byte { return pbVarint(pbKey(b, num, wireVarint), v) }

func pbSint(b []byte, num int, v int64) []byte {
	return pbUint(b, num, uint64(v<<1)^uint64(v>>63))
}

func pbDouble(b []byte, num int, f float64) []byte {
	return binary.LittleEndian.AppendUint64(pbKey(b, num, wireI64), math.Float64bits(f))
}

// label is a name/value pair for test requests.
type label struct{ name, value string }

type sample struct {
	v  float64
	ts int64
}

// series1 is a remote write 1.0 TimeSeries.
type series1 struct {
	labels     []label
	samples    []sample
	exemplars  int
	histograms int
}

func (s series1) encode() []byte {
	var b []byte
	for _, l := range s.labels {
		var lb []byte
		lb = pbString(lb, v1LabelName, l.name)
		lb = pbString(lb, v1LabelValue, l.value)
		b = pbBytes(b, v1TSLabels, lb)
	}
	for _, x := range s.samples {
		var sb []byte
		sb = pbDouble(sb, v1SampleValue, x.v)
		sb = pbUint(sb, v1SampleTimestamp, uint64(x.ts))
		b = pbBytes(b, v1TSSamples, sb)
	}
	for i := 0; i < s.exemplars; i++ {
		var eb []byte
		eb = pbDouble(eb, 2, 1.5)
		eb = pbUint(eb, 3, 1000)
		b = pbBytes(b, v1TSExemplars, eb)
	}
	for i := 0; i < s.histograms; i++ {
		b = pbBytes(b, v1TSHistograms, pbUint(nil, 1, 3))
	}
	return b
}

// request1 encodes a WriteRequest with metadata entries.
func request1(metadata int, ss ...series1) []byte {
	var b []byte
	for _, s := range ss {
		b = pbBytes(b, v1ReqTimeseries, s.encode())
	}
	for i := 0; i < metadata; i++ {
		var mb []byte
		mb = pbUint(mb, 1, 1)
		mb = pbString(mb, 2, "up")
		mb = pbString(mb, 4, "help")
		b = pbBytes(b, v1ReqMetadata, mb)
	}
	return b
}

// req2 builds a remote write 2.0 request with a symbol table.
type req2 struct {
	symbols []string
	index   map[string]uint32
	series  [][]byte
}

func newReq2() *req2 { return &req2{symbols: []string{""}, index: map[string]uint32{"": 0}} }

func (r *req2) ref(s string) uint32 {
	if i, ok := r.index[s]; ok {
		return i
	}
	r.index[s] = uint32(len(r.symbols))
	r.symbols = append(r.symbols, s)
	return r.index[s]
}

// series2 describes a v2 TimeSeries.
type series2 struct {
	labels     []label
	samples    []sample
	startTS    int64 // rc.4 Sample.start_timestamp
	createdTS  int64 // rc.3 TimeSeries.created_timestamp
	exemplars  int
	mtype      uint64
	help, unit string
	hists      [][]byte
}

func (r *req2) add(s series2) *req2 {
	var b []byte
	var refs []byte
	for _, l := range s.labels {
		refs = pbVarint(refs, uint64(r.ref(l.name)))
		refs = pbVarint(refs, uint64(r.ref(l.value)))
	}
	b = pbBytes(b, v2TSLabelsRefs, refs)
	for _, x := range s.samples {
		var sb []byte
		sb = pbDouble(sb, v2SampleValue, x.v)
		sb = pbUint(sb, v2SampleTS, uint64(x.ts))
		if s.startTS != 0 {
			sb = pbUint(sb, v2SampleStartTS, uint64(s.startTS))
		}
		b = pbBytes(b, v2TSSamples, sb)
	}
	for _, h := range s.hists {
		b = pbBytes(b, v2TSHistograms, h)
	}
	for i := 0; i < s.exemplars; i++ {
		var eb []byte
		eb = pbBytes(eb, 1, pbVarint(pbVarint(nil, uint64(r.ref("trace_id"))), uint64(r.ref("abc"))))
		eb = pbDouble(eb, 2, 0.5)
		eb = pbUint(eb, 3, 1000)
		b = pbBytes(b, v2TSExemplars, eb)
	}
	if s.mtype != 0 || s.help != "" || s.unit != "" {
		var mb []byte
		mb = pbUint(mb, v2MetaType, s.mtype)
		if s.help != "" {
			mb = pbUint(mb, v2MetaHelpRef, uint64(r.ref(s.help)))
		}
		if s.unit != "" {
			mb = pbUint(mb, v2MetaUnitRef, uint64(r.ref(s.unit)))
		}
		b = pbBytes(b, v2TSMetadata, mb)
	}
	if s.createdTS != 0 {
		b = pbUint(b, v2TSCreatedTS, uint64(s.createdTS))
	}
	r.series = append(r.series, b)
	return r
}

func (r *req2) encode() []byte {
	var b []byte
	for _, s := range r.symbols {
		b = pbString(b, v2ReqSymbols, s)
	}
	for _, s := range r.series {
		b = pbBytes(b, v2ReqTimeseries, s)
	}
	return b
}

// hist2 is a native histogram for test requests.
type hist2 struct {
	countInt, zeroCountInt uint64
	sum, zeroThreshold     float64
	schema                 int32
	ts                     int64
	pos, neg               []span
	posDeltas, negDeltas   []int64
	posCounts              []float64
	countFloat             float64
	custom                 []float64
}

func (h hist2) encode() []byte {
	var b []byte
	if h.posCounts != nil {
		b = pbDouble(b, hCountFloat, h.countFloat)
	} else {
		b = pbUint(b, hCountInt, h.countInt)
	}
	b = pbDouble(b, hSum, h.sum)
	b = pbSint(b, hSchema, int64(h.schema))
	b = pbDouble(b, hZeroThreshold, h.zeroThreshold)
	if h.posCounts != nil {
		b = pbDouble(b, hZeroCountFlt, float64(h.zeroCountInt))
	} else {
		b = pbUint(b, hZeroCountInt, h.zeroCountInt)
	}
	for _, sp := range h.neg {
		b = pbBytes(b, hNegSpans, pbUint(pbSint(nil, spanOffset, int64(sp.offset)), spanLength, uint64(sp.length)))
	}
	var d []byte
	for _, x := range h.negDeltas {
		d = pbVarint(d, uint64(x<<1)^uint64(x>>63))
	}
	if len(d) > 0 {
		b = pbBytes(b, hNegDeltas, d)
	}
	for _, sp := range h.pos {
		b = pbBytes(b, hPosSpans, pbUint(pbSint(nil, spanOffset, int64(sp.offset)), spanLength, uint64(sp.length)))
	}
	d = nil
	for _, x := range h.posDeltas {
		d = pbVarint(d, uint64(x<<1)^uint64(x>>63))
	}
	if len(d) > 0 {
		b = pbBytes(b, hPosDeltas, d)
	}
	if h.posCounts != nil {
		var fb []byte
		for _, f := range h.posCounts {
			fb = binary.LittleEndian.AppendUint64(fb, math.Float64bits(f))
		}
		b = pbBytes(b, hPosCounts, fb)
	}
	if h.custom != nil {
		var fb []byte
		for _, f := range h.custom {
			fb = binary.LittleEndian.AppendUint64(fb, math.Float64bits(f))
		}
		b = pbBytes(b, hCustomValues, fb)
	}
	b = pbUint(b, hTimestamp, uint64(h.ts))
	return b
}

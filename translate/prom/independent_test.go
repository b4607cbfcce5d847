package prom

import (
	"fmt"
	"math"
	"math/rand/v2"
	"sort"
	"strings"
	"testing"

	writev2 "github.com/prometheus/client_golang/exp/api/remote/genproto/v2"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protodesc"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/descriptorpb"
	"google.golang.org/protobuf/types/dynamicpb"

	"github.com/greptime-bridge/greptime-bridge/translate"
	"github.com/greptime-bridge/greptime-bridge/writer/table"
)

// These tests decode requests that encoders independent of the decoder
// produced: remote write 2.0 from client_golang's generated types, and
// remote write 1.0 from protobuf-go's own encoder over a descriptor of
// Prometheus's prompb/types.proto and remote.proto. A field number or wire
// type the decoder got wrong, and the hand-written test encoder copied,
// shows up here.

// genSeries is one random series: a metric, labels and samples.
type genSeries struct {
	metric  string
	labels  [][2]string // sorted by name, unique names
	samples [][2]uint64 // timestamp (as int64 bits), value bits
}

func randName(r *rand.Rand, prefix string) string {
	const alpha = "abcdefghijklmnopqrstuvwxyz0123456789_"
	n := 1 + r.IntN(12)
	var b strings.Builder
	b.WriteString(prefix)
	for range n {
		b.WriteByte(alpha[r.IntN(len(alpha))])
	}
	return b.String()
}

func randValue(r *rand.Rand) string {
	pieces := []string{"a", "Z", "0", " ", "-", "é", "漢", "🙂", "/", "\\", "\""}
	var b strings.Builder
	for range 1 + r.IntN(8) {
		b.WriteString(pieces[r.IntN(len(pieces))])
	}
	return b.String()
}

// randRequest draws unique series (metric + label set) with unique
// timestamps per series.
func randRequest(r *rand.Rand) []genSeries {
	metrics := make([]string, 1+r.IntN(5))
	for i := range metrics {
		metrics[i] = randName(r, "m")
	}
	seen := map[string]bool{}
	var out []genSeries
	for range 1 + r.IntN(30) {
		s := genSeries{metric: metrics[r.IntN(len(metrics))]}
		names := map[string]bool{}
		for range r.IntN(6) {
			n := randName(r, "l")
			if names[n] {
				continue
			}
			names[n] = true
			s.labels = append(s.labels, [2]string{n, randValue(r)})
		}
		sort.Slice(s.labels, func(i, j int) bool { return s.labels[i][0] < s.labels[j][0] })
		k := seriesID(s.metric, s.labels)
		if seen[k] {
			continue
		}
		seen[k] = true
		ts := map[int64]bool{}
		for range 1 + r.IntN(4) {
			t := 1_700_000_000_000 + r.Int64N(1_000_000)
			if ts[t] {
				continue
			}
			ts[t] = true
			v := r.NormFloat64() * 1e6
			switch r.IntN(10) {
			case 0:
				v = math.Inf(1)
			case 1:
				v = math.Copysign(0, -1)
			}
			s.samples = append(s.samples, [2]uint64{uint64(t), math.Float64bits(v)})
		}
		out = append(out, s)
	}
	return out
}

func seriesID(metric string, labels [][2]string) string {
	var b strings.Builder
	b.WriteString(metric)
	for _, l := range labels {
		fmt.Fprintf(&b, "|%s=%q", l[0], l[1])
	}
	return b.String()
}

// wantRows is every sample as "series@ts" → value bits.
func wantRows(series []genSeries) map[string]uint64 {
	want := map[string]uint64{}
	for _, s := range series {
		for _, smp := range s.samples {
			want[fmt.Sprintf("%s@%d", seriesID(s.metric, s.labels), int64(smp[0]))] = smp[1]
		}
	}
	return want
}

// gotRows reads the translated tables back in the same form.
func gotRows(t *testing.T, out *translate.Output) map[string]uint64 {
	t.Helper()
	got := map[string]uint64{}
	for _, b := range out.Batches {
		ti := b.TimeIndex()
		vi, ok := b.Lookup("greptime_value")
		if !ok {
			t.Fatalf("table %s has no greptime_value", b.Table)
		}
		for row := range b.Rows() {
			var labels [][2]string
			for _, c := range b.Columns() {
				if c.Semantic != table.Tag {
					continue
				}
				if v, ok := c.String(row); ok {
					labels = append(labels, [2]string{c.Name, v})
				}
			}
			sort.Slice(labels, func(i, j int) bool { return labels[i][0] < labels[j][0] })
			ts, _ := b.Col(ti).Timestamp(row)
			bits, ok := b.Col(vi).Float64Bits(row)
			if !ok {
				t.Fatalf("table %s row %d has a NULL value", b.Table, row)
			}
			key := fmt.Sprintf("%s@%d", seriesID(b.Table, labels), ts)
			if _, dup := got[key]; dup {
				t.Fatalf("sample %s translated twice", key)
			}
			got[key] = bits
		}
	}
	return got
}

func compareRows(t *testing.T, want, got map[string]uint64) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("%d samples translated, want %d", len(got), len(want))
	}
	for k, v := range want {
		g, ok := got[k]
		if !ok {
			t.Errorf("sample %s missing", k)
			continue
		}
		if g != v {
			t.Errorf("sample %s = %v, want %v", k, math.Float64frombits(g), math.Float64frombits(v))
		}
	}
}

func TestDecodeClientGolangRemoteWrite2(t *testing.T) {
	r := rand.New(rand.NewPCG(2, 9))
	for i := range 200 {
		series := randRequest(r)
		st := writev2.NewSymbolTable()
		req := &writev2.Request{}
		for _, s := range series {
			lbls := []string{"__name__", s.metric}
			for _, l := range s.labels {
				lbls = append(lbls, l[0], l[1])
			}
			ts := &writev2.TimeSeries{LabelsRefs: st.SymbolizeLabels(lbls, nil)}
			for _, smp := range s.samples {
				ts.Samples = append(ts.Samples, &writev2.Sample{Timestamp: int64(smp[0]), Value: math.Float64frombits(smp[1])})
			}
			req.Timeseries = append(req.Timeseries, ts)
		}
		req.Symbols = st.Symbols()
		raw, err := proto.Marshal(req)
		if err != nil {
			t.Fatal(err)
		}
		out := mustRun(t, v2opts(), raw)
		t.Run(fmt.Sprint(i), func(t *testing.T) { compareRows(t, wantRows(series), gotRows(t, out)) })
	}
}

// rw1Descriptor describes prompb's WriteRequest, TimeSeries, Label and
// Sample with the field numbers and types of Prometheus's
// prompb/remote.proto and prompb/types.proto.
func rw1Descriptor(t *testing.T) protoreflect.MessageDescriptor {
	t.Helper()
	opt := descriptorpb.FieldDescriptorProto_LABEL_OPTIONAL.Enum()
	rep := descriptorpb.FieldDescriptorProto_LABEL_REPEATED.Enum()
	field := func(name string, num int32, label *descriptorpb.FieldDescriptorProto_Label, typ descriptorpb.FieldDescriptorProto_Type, msg string) *descriptorpb.FieldDescriptorProto {
		f := &descriptorpb.FieldDescriptorProto{Name: proto.String(name), Number: proto.Int32(num), Label: label, Type: typ.Enum()}
		if msg != "" {
			f.TypeName = proto.String(".prometheus." + msg)
		}
		return f
	}
	msgT := descriptorpb.FieldDescriptorProto_TYPE_MESSAGE
	fd := &descriptorpb.FileDescriptorProto{
		Name: proto.String("prompb_test.proto"), Package: proto.String("prometheus"), Syntax: proto.String("proto3"),
		MessageType: []*descriptorpb.DescriptorProto{
			{Name: proto.String("WriteRequest"), Field: []*descriptorpb.FieldDescriptorProto{
				field("timeseries", 1, rep, msgT, "TimeSeries"),
			}},
			{Name: proto.String("TimeSeries"), Field: []*descriptorpb.FieldDescriptorProto{
				field("labels", 1, rep, msgT, "Label"),
				field("samples", 2, rep, msgT, "Sample"),
			}},
			{Name: proto.String("Label"), Field: []*descriptorpb.FieldDescriptorProto{
				field("name", 1, opt, descriptorpb.FieldDescriptorProto_TYPE_STRING, ""),
				field("value", 2, opt, descriptorpb.FieldDescriptorProto_TYPE_STRING, ""),
			}},
			{Name: proto.String("Sample"), Field: []*descriptorpb.FieldDescriptorProto{
				field("value", 1, opt, descriptorpb.FieldDescriptorProto_TYPE_DOUBLE, ""),
				field("timestamp", 2, opt, descriptorpb.FieldDescriptorProto_TYPE_INT64, ""),
			}},
		},
	}
	file, err := protodesc.NewFile(fd, nil)
	if err != nil {
		t.Fatal(err)
	}
	return file.Messages().ByName("WriteRequest")
}

func TestDecodeProtobufGoRemoteWrite1(t *testing.T) {
	wr := rw1Descriptor(t)
	tsD := wr.Fields().ByName("timeseries").Message()
	labelD := tsD.Fields().ByName("labels").Message()
	sampleD := tsD.Fields().ByName("samples").Message()
	r := rand.New(rand.NewPCG(1, 7))
	for i := range 200 {
		series := randRequest(r)
		req := dynamicpb.NewMessage(wr)
		list := req.Mutable(wr.Fields().ByName("timeseries")).List()
		for _, s := range series {
			ts := dynamicpb.NewMessage(tsD)
			labels := ts.Mutable(tsD.Fields().ByName("labels")).List()
			// Prometheus sends labels sorted by name, __name__ first.
			for _, l := range append([][2]string{{"__name__", s.metric}}, s.labels...) {
				m := dynamicpb.NewMessage(labelD)
				m.Set(labelD.Fields().ByName("name"), protoreflect.ValueOfString(l[0]))
				m.Set(labelD.Fields().ByName("value"), protoreflect.ValueOfString(l[1]))
				labels.Append(protoreflect.ValueOfMessage(m))
			}
			samples := ts.Mutable(tsD.Fields().ByName("samples")).List()
			for _, smp := range s.samples {
				m := dynamicpb.NewMessage(sampleD)
				m.Set(sampleD.Fields().ByName("value"), protoreflect.ValueOfFloat64(math.Float64frombits(smp[1])))
				m.Set(sampleD.Fields().ByName("timestamp"), protoreflect.ValueOfInt64(int64(smp[0])))
				samples.Append(protoreflect.ValueOfMessage(m))
			}
			list.Append(protoreflect.ValueOfMessage(ts))
		}
		raw, err := proto.Marshal(req)
		if err != nil {
			t.Fatal(err)
		}
		out := mustRun(t, v1opts(), raw)
		t.Run(fmt.Sprint(i), func(t *testing.T) { compareRows(t, wantRows(series), gotRows(t, out)) })
	}
}

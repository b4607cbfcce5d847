package gen_test

import (
	"testing"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protodesc"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/descriptorpb"
	"google.golang.org/protobuf/types/dynamicpb"
)

// rw1Series is a decoded prometheus.TimeSeries.
type rw1Series struct {
	labels  [][2]string
	samples [][2]float64 // value, timestamp
}

// writeRequestDesc describes prometheus.WriteRequest as Prometheus's
// prompb/remote.proto and prompb/types.proto declare it, so tests decode
// the generator's bodies with protobuf-go's own decoder, independently of
// the hand-written encoder (the module does not depend on Prometheus).
func writeRequestDesc(t *testing.T) protoreflect.MessageDescriptor {
	t.Helper()
	rep, opt := descriptorpb.FieldDescriptorProto_LABEL_REPEATED.Enum(), descriptorpb.FieldDescriptorProto_LABEL_OPTIONAL.Enum()
	msgT := descriptorpb.FieldDescriptorProto_TYPE_MESSAGE.Enum()
	field := func(name string, num int32, label *descriptorpb.FieldDescriptorProto_Label, typ descriptorpb.FieldDescriptorProto_Type, typeName string) *descriptorpb.FieldDescriptorProto {
		f := &descriptorpb.FieldDescriptorProto{Name: proto.String(name), Number: proto.Int32(num), Label: label, Type: typ.Enum(), JsonName: proto.String(name)}
		if typeName != "" {
			f.TypeName = proto.String(typeName)
		}
		return f
	}
	fd := &descriptorpb.FileDescriptorProto{
		Name: proto.String("loadgen_prompb_test.proto"), Package: proto.String("prometheus"), Syntax: proto.String("proto3"),
		MessageType: []*descriptorpb.DescriptorProto{
			{Name: proto.String("WriteRequest"), Field: []*descriptorpb.FieldDescriptorProto{
				field("timeseries", 1, rep, *msgT, ".prometheus.TimeSeries"),
			}},
			{Name: proto.String("TimeSeries"), Field: []*descriptorpb.FieldDescriptorProto{
				field("labels", 1, rep, *msgT, ".prometheus.Label"),
				field("samples", 2, rep, *msgT, ".prometheus.Sample"),
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
	f, err := protodesc.NewFile(fd, nil)
	if err != nil {
		t.Fatal(err)
	}
	return f.Messages().ByName("WriteRequest")
}

// decodeRW1 decodes a prometheus.WriteRequest; unknown fields fail.
func decodeRW1(t *testing.T, md protoreflect.MessageDescriptor, body []byte) []rw1Series {
	t.Helper()
	m := dynamicpb.NewMessage(md)
	if err := proto.Unmarshal(body, m); err != nil {
		t.Fatalf("decode WriteRequest: %v", err)
	}
	if len(m.GetUnknown()) > 0 {
		t.Fatalf("WriteRequest has %d bytes of unknown fields", len(m.GetUnknown()))
	}
	tss := m.Get(md.Fields().ByName("timeseries")).List()
	out := make([]rw1Series, tss.Len())
	for i := range tss.Len() {
		ts := tss.Get(i).Message()
		tsd := ts.Descriptor()
		ls := ts.Get(tsd.Fields().ByName("labels")).List()
		for j := range ls.Len() {
			l := ls.Get(j).Message()
			ld := l.Descriptor().Fields()
			out[i].labels = append(out[i].labels, [2]string{l.Get(ld.ByName("name")).String(), l.Get(ld.ByName("value")).String()})
		}
		ss := ts.Get(tsd.Fields().ByName("samples")).List()
		for j := range ss.Len() {
			s := ss.Get(j).Message()
			sd := s.Descriptor().Fields()
			out[i].samples = append(out[i].samples, [2]float64{s.Get(sd.ByName("value")).Float(), float64(s.Get(sd.ByName("timestamp")).Int())})
		}
	}
	return out
}

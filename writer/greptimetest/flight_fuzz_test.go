package greptimetest

import (
	"context"
	"io"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/flight"
	"github.com/apache/arrow-go/v18/arrow/ipc"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"google.golang.org/grpc"
)

// fakePutStream is a DoPut server stream fed from a slice, for driving the
// stream reader without gRPC.
type fakePutStream struct {
	grpc.ServerStream
	msgs []*flight.FlightData
}

func (f *fakePutStream) Recv() (*flight.FlightData, error) {
	if len(f.msgs) == 0 {
		return nil, io.EOF
	}
	m := f.msgs[0]
	f.msgs = f.msgs[1:]
	return m, nil
}

func (f *fakePutStream) Send(*flight.PutResult) error { return nil }

func (f *fakePutStream) Context() context.Context { return context.Background() }

// FuzzDoPutBatchMessage feeds arbitrary IPC header and body bytes after a
// valid schema message: the reader must answer with an error or a write,
// never panic, and release all Arrow memory either way.
func FuzzDoPutBatchMessage(f *testing.F) {
	schema, batch := putEncoded(f)
	schema.FlightDescriptor = &flight.FlightDescriptor{Type: flight.DescriptorPATH, Path: []string{"cpu"}}
	f.Add(batch.DataHeader, batch.DataBody)
	f.Add(batch.DataHeader, batch.DataBody[:len(batch.DataBody)/2])
	f.Add(schema.DataHeader, schema.DataBody)
	f.Add([]byte{}, []byte{})
	// A header claiming a custom-metadata vector of ~10^9 entries: arrow-go
	// would allocate it unchecked.
	f.Add([]byte("\x14\x00\x00\x000000000000\x13\x000\x0000\f\x00\x00\x00000000000\x00\x00\x00000\x0300\n\x00000\x00 \x000\x00\n\x00\x00\x000\x00\x00\x000\x00\x00\x001\x00\x00\x000\x00\x00\x001\x00\x00\x000\x00\x00\x000\xff\xff\xfc0\x00\x00\x000\x00\x00\x000\x00\x000\x00\x0000\x00\x00\x00\x002\x00\x00\x00\x00\x00\x00\x000\x00\x00\x00\x00\x00\x00\x00"), []byte("0"))
	s := StartT(f, Options{CountOnly: true})
	putMkTable(f, s, "public", putCPUTable("cpu"))
	f.Fuzz(func(t *testing.T, header, body []byte) {
		mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
		fs := &flightService{s: s, mem: mem}
		out := make(chan putResult, maxPendingResponses)
		p := &putProducer{
			f: fs, db: dbKey{defaultCatalog, defaultSchema}, out: out, done: make(chan struct{}),
			stream: &fakePutStream{msgs: []*flight.FlightData{schema, {DataHeader: header, DataBody: body}}},
		}
		p.run()
		for range out {
		}
		mem.AssertSize(t, 0)
	})
}

// FuzzDoPutSchemaMessage feeds arbitrary IPC header bytes as the first,
// schema, message of a stream: never a panic, and no Arrow memory held.
func FuzzDoPutSchemaMessage(f *testing.F) {
	schema, batch := putEncoded(f)
	f.Add(schema.DataHeader)
	f.Add(batch.DataHeader)
	f.Add([]byte{})
	s := StartT(f, Options{CountOnly: true})
	putMkTable(f, s, "public", putCPUTable("cpu"))
	f.Fuzz(func(t *testing.T, header []byte) {
		mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
		fs := &flightService{s: s, mem: mem}
		out := make(chan putResult, maxPendingResponses)
		first := &flight.FlightData{
			FlightDescriptor: &flight.FlightDescriptor{Type: flight.DescriptorPATH, Path: []string{"cpu"}},
			DataHeader:       header,
		}
		p := &putProducer{
			f: fs, db: dbKey{defaultCatalog, defaultSchema}, out: out, done: make(chan struct{}),
			stream: &fakePutStream{msgs: []*flight.FlightData{first, batch}},
		}
		p.run()
		for range out {
		}
		mem.AssertSize(t, 0)
	})
}

// FuzzDoPutDictionaryMessage feeds arbitrary bytes as the dictionary batch
// of a stream whose tag column is dictionary-encoded.
func FuzzDoPutDictionaryMessage(f *testing.F) {
	mem := memory.NewGoAllocator()
	sc := arrow.NewSchema([]arrow.Field{
		{Name: "host", Type: &arrow.DictionaryType{IndexType: arrow.PrimitiveTypes.Int32, ValueType: arrow.BinaryTypes.String}, Nullable: true},
		{Name: "ts", Type: &arrow.TimestampType{Unit: arrow.Millisecond}},
	}, nil)
	b := array.NewRecordBuilder(mem, sc)
	if err := b.Field(0).(*array.BinaryDictionaryBuilder).AppendString("h"); err != nil {
		f.Fatal(err)
	}
	b.Field(1).(*array.TimestampBuilder).Append(1)
	rec := b.NewRecordBatch()
	b.Release()
	var c putCapture
	w := flight.NewRecordWriter(&c, ipc.WithSchema(sc))
	if err := w.Write(rec); err != nil {
		f.Fatal(err)
	}
	rec.Release()
	if len(c.msgs) != 3 { // schema, dictionary, batch
		f.Fatalf("captured %d messages", len(c.msgs))
	}
	schema, dict, batch := c.msgs[0], c.msgs[1], c.msgs[2]
	schema.FlightDescriptor = &flight.FlightDescriptor{Type: flight.DescriptorPATH, Path: []string{"cpu"}}
	f.Add(dict.DataHeader, dict.DataBody)
	f.Add(batch.DataHeader, batch.DataBody)
	s := StartT(f, Options{CountOnly: true})
	putMkTable(f, s, "public", putCPUTable("cpu"))
	f.Fuzz(func(t *testing.T, header, body []byte) {
		cm := memory.NewCheckedAllocator(memory.NewGoAllocator())
		fs := &flightService{s: s, mem: cm}
		out := make(chan putResult, maxPendingResponses)
		p := &putProducer{
			f: fs, db: dbKey{defaultCatalog, defaultSchema}, out: out, done: make(chan struct{}),
			stream: &fakePutStream{msgs: []*flight.FlightData{schema, {DataHeader: header, DataBody: body}, batch}},
		}
		p.run()
		for range out {
		}
		cm.AssertSize(t, 0)
	})
}

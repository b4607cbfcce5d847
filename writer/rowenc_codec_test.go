package writer

import (
	"bytes"
	"sync"
	"testing"

	gpb "github.com/GreptimeTeam/greptime-proto/go/greptime/v1"
	"github.com/apache/arrow-go/v18/arrow/flight"
	"google.golang.org/grpc/mem"
	"google.golang.org/protobuf/proto"
)

// countingPool records what goes back to the pool.
type countingPool struct {
	mu   sync.Mutex
	gets int
	puts []*[]byte
}

func (p *countingPool) Get(n int) *[]byte {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.gets++
	b := make([]byte, n)
	return &b
}

func (p *countingPool) Put(b *[]byte) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.puts = append(p.puts, b)
}

func (p *countingPool) counts() (int, int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.gets, len(p.puts)
}

// TestEncodedBufferReturnsOnlyAfterLastReference follows grpc-go's
// ownership rule for CodecV2.Marshal: the returned buffers carry a
// reference that gRPC frees when it no longer needs them, possibly after
// the call returned. The writer's own release must not put the buffer
// back while such a reference is held.
func TestEncodedBufferReturnsOnlyAfterLastReference(t *testing.T) {
	pool := &countingPool{}
	e := &rowEncoder{pool: pool}
	h := &gpb.RequestHeader{Dbname: "public"}
	req, err := e.encode(h, promFlush(10, 20))
	if err != nil {
		t.Fatal(err)
	}
	if g, _ := pool.counts(); g != 1 {
		t.Fatalf("%d buffers taken from the pool, want 1", g)
	}
	want := bytes.Clone(req.buf.ReadOnlyData())
	codec := newRowInsertCodec()
	first, err := codec.Marshal(req) // one try
	if err != nil {
		t.Fatal(err)
	}
	second, err := codec.Marshal(req) // a retry, while the first is still queued
	if err != nil {
		t.Fatal(err)
	}
	req.release()
	first.Free()
	if _, p := pool.counts(); p != 0 {
		t.Fatal("buffer returned to the pool while gRPC still holds a reference")
	}
	if !bytes.Equal(second.Materialize(), want) {
		t.Fatal("bytes of a held reference changed")
	}
	second.Free()
	if _, p := pool.counts(); p != 1 {
		t.Fatalf("%d buffers returned after the last reference, want 1", p)
	}
}

// TestSmallRequestsBypassThePool: gRPC does not pool buffers under its
// pooling threshold (mem.NewBuffer makes them plain slices that are never
// returned), so taking one from the pool would only drain it.
func TestSmallRequestsBypassThePool(t *testing.T) {
	pool := &countingPool{}
	e := &rowEncoder{pool: pool}
	req, err := e.encode(&gpb.RequestHeader{}, promFlush(1, 1))
	if err != nil {
		t.Fatal(err)
	}
	if n := req.buf.Len(); !mem.IsBelowBufferPoolingThreshold(n) {
		t.Fatalf("test request of %d bytes is not small", n)
	}
	s, _ := newRowInsertCodec().Marshal(req)
	s.Free()
	req.release()
	if g, p := pool.counts(); g != 0 || p != 0 {
		t.Fatalf("pool used for a small request: %d gets, %d puts", g, p)
	}
}

// TestCodecLeavesOtherMessagesToProto: queries, raw inserts and responses
// go through the registered proto codec unchanged.
func TestCodecLeavesOtherMessagesToProto(t *testing.T) {
	codec := newRowInsertCodec()
	if codec.Name() != "" {
		t.Fatalf("name %q would change the content-type", codec.Name())
	}
	msg := &gpb.GreptimeRequest{
		Header:  &gpb.RequestHeader{Dbname: "d"},
		Request: &gpb.GreptimeRequest_Query{Query: &gpb.QueryRequest{Query: &gpb.QueryRequest_Sql{Sql: "SELECT 1"}}},
	}
	got, err := codec.Marshal(msg)
	if err != nil {
		t.Fatal(err)
	}
	defer got.Free()
	want, _ := proto.Marshal(msg)
	if !bytes.Equal(got.Materialize(), want) {
		t.Fatal("a proto message was not marshalled as proto")
	}
	resp := &gpb.GreptimeResponse{Response: &gpb.GreptimeResponse_AffectedRows{AffectedRows: &gpb.AffectedRows{Value: 7}}}
	raw, _ := proto.Marshal(resp)
	var back gpb.GreptimeResponse
	if err := codec.Unmarshal(mem.BufferSlice{mem.SliceBuffer(raw)}, &back); err != nil || back.GetAffectedRows().GetValue() != 7 {
		t.Fatalf("response %v, %v", &back, err)
	}
	if _, err := codec.Marshal(struct{}{}); err == nil {
		t.Fatal("a non-proto value was marshalled")
	}
}

// TestFlightDataMarshalledIntoRequestPool: a bulk write's FlightData is
// marshalled as the proto codec would, into a buffer of the codec's pool
// that goes back when gRPC frees it; a small one is left to the codec.
func TestFlightDataMarshalledIntoRequestPool(t *testing.T) {
	pool := &countingPool{}
	codec := newRowInsertCodec()
	codec.pool = pool
	msg := &flight.FlightData{
		FlightDescriptor: &flight.FlightDescriptor{Type: flight.DescriptorPATH, Path: []string{"t"}},
		DataHeader:       bytes.Repeat([]byte{7}, 300),
		AppMetadata:      []byte(`{"request_id":1}`),
		DataBody:         bytes.Repeat([]byte("arrow body "), 20_000),
	}
	want, err := proto.Marshal(msg)
	if err != nil {
		t.Fatal(err)
	}
	got, err := codec.Marshal(msg)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got.Materialize(), want) {
		t.Fatal("FlightData marshalled differently from the proto codec")
	}
	if g, p := pool.counts(); g != 1 || p != 0 {
		t.Fatalf("%d gets and %d puts before gRPC freed the buffer, want 1 and 0", g, p)
	}
	got.Free()
	if _, p := pool.counts(); p != 1 {
		t.Fatalf("%d buffers returned after the last reference, want 1", p)
	}
	small := &flight.FlightData{DataBody: []byte("x")}
	s, err := codec.Marshal(small)
	if err != nil {
		t.Fatal(err)
	}
	s.Free()
	if g, _ := pool.counts(); g != 1 {
		t.Fatal("a small FlightData was taken from the pool")
	}
}

// BenchmarkMarshalFlightData marshals a 1 MiB bulk write message through
// gRPC's proto codec and through the writer's codec, freeing it as gRPC
// does once written.
func BenchmarkMarshalFlightData(b *testing.B) {
	msg := &flight.FlightData{DataHeader: make([]byte, 300), DataBody: bytes.Repeat([]byte("arrow body "), 100_000)}
	for _, tc := range []struct {
		name  string
		codec interface {
			Marshal(any) (mem.BufferSlice, error)
		}
	}{{"grpc", newRowInsertCodec().proto}, {"writer", newRowInsertCodec()}} {
		b.Run(tc.name, func(b *testing.B) {
			b.SetBytes(int64(proto.Size(msg)))
			for b.Loop() {
				s, err := tc.codec.Marshal(msg)
				if err != nil {
					b.Fatal(err)
				}
				s.Free()
			}
		})
	}
}

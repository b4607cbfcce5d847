package greptimetest

import (
	"context"
	"errors"
	"io"
	"testing"

	gpb "github.com/GreptimeTeam/greptime-proto/go/greptime/v1"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/mem"
	"google.golang.org/grpc/metadata"
	"google.golang.org/protobuf/proto"
)

// rawCodec sends requests given as wire bytes and decodes answers with
// protobuf: it lets a test send malformed bytes, and a benchmark send
// without encoding on the client.
type rawCodec struct{}

func (rawCodec) Marshal(v any) (mem.BufferSlice, error) {
	return mem.BufferSlice{mem.SliceBuffer(v.([]byte))}, nil
}

func (rawCodec) Unmarshal(data mem.BufferSlice, v any) error {
	return proto.Unmarshal(data.Materialize(), v.(proto.Message))
}

func (rawCodec) Name() string { return "proto" }

// handleRaw sends wire bytes to Handle.
func (c *testClient) handleRaw(data []byte, md ...string) result {
	ctx := metadata.AppendToOutgoingContext(context.Background(), md...)
	var resp gpb.GreptimeResponse
	var tr metadata.MD
	err := c.conn.Invoke(ctx, "/greptime.v1.GreptimeDatabase/Handle", data, &resp, grpc.ForceCodecV2(rawCodec{}), grpc.Trailer(&tr))
	return result{rows: resp.GetAffectedRows().GetValue(), err: err, trailer: tr}
}

// TestLoadServerOverGRPC runs the load mode through its codec and service
// descriptor against a count-only server: the same answers, trailers
// included, on Handle (plain, compressed, malformed, fallback) and on
// HandleRequests.
func TestLoadServerOverGRPC(t *testing.T) {
	ref := dial(t, StartT(t, Options{CountOnly: true}))
	load := dial(t, StartT(t, Options{Load: true}))
	same := func(name string, a, b result) {
		t.Helper()
		if outcome(a.rows, a.err) != outcome(b.rows, b.err) || a.errCode() != b.errCode() {
			t.Errorf("%s: count-only %s [%s], load %s [%s]", name, outcome(a.rows, a.err), a.errCode(), outcome(b.rows, b.err), b.errCode())
		}
	}
	for _, c := range diffCorpus() {
		data, err := proto.Marshal(c.req)
		if err != nil {
			t.Fatal(err)
		}
		same(c.name, ref.handleRaw(data, hintsKey, c.hint), load.handleRaw(data, hintsKey, c.hint))
	}
	// A request larger than one HTTP/2 frame reaches the codec in pieces.
	big, err := proto.Marshal(promRequest(100, 20))
	if err != nil {
		t.Fatal(err)
	}
	a, b := ref.handleRaw(big), load.handleRaw(big)
	same("large", a, b)
	if b.rows != 2000 {
		t.Errorf("large request: %d rows, %v", b.rows, b.err)
	}
	for _, bad := range [][]byte{{0x32, 0x05}, {0x32, 0x05, 0x0a, 0x03, 0x0a, 0x01, 0xff}} {
		a, b := ref.handleRaw(bad), load.handleRaw(bad)
		same("malformed", a, b)
		if b.code() != codes.Internal {
			t.Errorf("malformed request: %v", b.err)
		}
	}
	for _, comp := range []string{"gzip", "zstd"} {
		ins := &gpb.GreptimeRequest{Request: &gpb.GreptimeRequest_RowInserts{RowInserts: &gpb.RowInsertRequests{Inserts: []*gpb.RowInsertRequest{
			req("z", cpuSchema(), row(sv(comp), tv(1), fv(1)), row(sv(comp), tv(2), fv(1))),
		}}}}
		resp, err := load.db.Handle(context.Background(), ins, grpc.UseCompressor(comp))
		if err != nil || resp.GetAffectedRows().GetValue() != 2 {
			t.Fatalf("%s: %v %v", comp, resp, err)
		}
	}
	stream := func(c *testClient) result {
		st, err := c.db.HandleRequests(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range []*gpb.GreptimeRequest{promRequest(5, 3), promRequest(2, 2), rowInsert("public", req("cpu", cpuSchema(), row(sv("a"), tv(1), iv(1))))} {
			if err := st.Send(r); err != nil && !errors.Is(err, io.EOF) {
				t.Fatal(err)
			}
		}
		resp, err := st.CloseAndRecv()
		return result{rows: resp.GetAffectedRows().GetValue(), err: err, trailer: st.Trailer()}
	}
	same("stream", stream(ref), stream(load))
	st, err := load.db.HandleRequests(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for range 3 {
		if err := st.Send(promRequest(4, 5)); err != nil {
			t.Fatal(err)
		}
	}
	if resp, err := st.CloseAndRecv(); err != nil || resp.GetAffectedRows().GetValue() != 60 {
		t.Fatalf("stream of 3 × 20 rows: %v %v", resp, err)
	}
}

// TestLoadServiceDescMatchesGenerated keeps the load mode's descriptor in
// step with greptime-proto's: same service, methods and stream kinds.
func TestLoadServiceDescMatchesGenerated(t *testing.T) {
	got, want := loadServiceDesc(), gpb.GreptimeDatabase_ServiceDesc
	if got.ServiceName != want.ServiceName || len(got.Methods) != len(want.Methods) || len(got.Streams) != len(want.Streams) {
		t.Fatalf("descriptor %+v, generated %+v", got, want)
	}
	for i := range want.Methods {
		if got.Methods[i].MethodName != want.Methods[i].MethodName {
			t.Fatalf("method %q, generated %q", got.Methods[i].MethodName, want.Methods[i].MethodName)
		}
	}
	for i := range want.Streams {
		g, w := got.Streams[i], want.Streams[i]
		if g.StreamName != w.StreamName || g.ClientStreams != w.ClientStreams || g.ServerStreams != w.ServerStreams {
			t.Fatalf("stream %+v, generated %+v", g, w)
		}
	}
}

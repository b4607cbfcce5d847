package writer

import (
	"context"
	"errors"
	"io"
	"net"
	"sync"
	"testing"
	"time"

	gpb "github.com/GreptimeTeam/greptime-proto/go/greptime/v1"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/stats"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"

	"github.com/greptime-bridge/greptime-bridge/writer/table"
)

// wireCall is what a raw gRPC server received in one call.
type wireCall struct {
	method string
	md     metadata.MD
	reqs   []*gpb.GreptimeRequest
}

// wireServer is a bare gRPC server that decodes whatever arrives as
// GreptimeRequests with grpc-go's own proto codec: it shows what the
// encoder's bytes are to any server, independent of greptimetest.
type wireServer struct {
	mu    sync.Mutex
	calls []wireCall
	fail  int // answer this many calls with ResourceExhausted first
	comp  []string
}

// The server's stats handler records each request's grpc-encoding, which
// grpc-go keeps out of the metadata handlers see.
func (s *wireServer) TagRPC(ctx context.Context, _ *stats.RPCTagInfo) context.Context { return ctx }

func (s *wireServer) TagConn(ctx context.Context, _ *stats.ConnTagInfo) context.Context { return ctx }
func (s *wireServer) HandleConn(context.Context, stats.ConnStats)                       {}
func (s *wireServer) HandleRPC(_ context.Context, st stats.RPCStats) {
	if h, ok := st.(*stats.InHeader); ok {
		s.mu.Lock()
		s.comp = append(s.comp, h.Compression)
		s.mu.Unlock()
	}
}

func (s *wireServer) handle(_ any, stream grpc.ServerStream) error {
	method, _ := grpc.MethodFromServerStream(stream)
	md, _ := metadata.FromIncomingContext(stream.Context())
	call := wireCall{method: method, md: md}
	var rows uint32
	for {
		req := &gpb.GreptimeRequest{}
		err := stream.RecvMsg(req)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return err
		}
		call.reqs = append(call.reqs, req)
		for _, ins := range req.GetRowInserts().GetInserts() {
			rows += uint32(len(ins.GetRows().GetRows()))
		}
		if method == handleMethod {
			break
		}
	}
	s.mu.Lock()
	s.calls = append(s.calls, call)
	fail := s.fail > 0
	s.fail--
	s.mu.Unlock()
	if fail {
		return status.Error(codes.ResourceExhausted, "busy")
	}
	return stream.SendMsg(&gpb.GreptimeResponse{Response: &gpb.GreptimeResponse_AffectedRows{AffectedRows: &gpb.AffectedRows{Value: rows}}})
}

func (s *wireServer) received() []wireCall {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]wireCall(nil), s.calls...)
}

func startWireServer(t *testing.T, fail int) (*wireServer, string) {
	t.Helper()
	ws := &wireServer{fail: fail}
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := grpc.NewServer(grpc.UnknownServiceHandler(ws.handle), grpc.StatsHandler(ws))
	go func() { _ = srv.Serve(lis) }()
	t.Cleanup(srv.Stop)
	return ws, lis.Addr().String()
}

// TestWriteSendsReferenceBytesOverGRPC writes through a real gRPC
// connection, with each transport compression and with a retry, and checks
// the server decoded exactly the reference request on every try, under the
// same content-type, compression and hints metadata as before.
func TestWriteSendsReferenceBytesOverGRPC(t *testing.T) {
	for _, comp := range []Compression{CompressionNone, CompressionGzip, CompressionZstd} {
		t.Run(string(comp)+"/", func(t *testing.T) {
			ws, addr := startWireServer(t, 1)
			cfg := DefaultConfig(addr)
			cfg.Compression, cfg.Timezone, cfg.Username, cfg.Password = comp, "UTC", "u", "p"
			cfg.Retry = &RetryPolicy{MaxAttempts: 2, InitialBackoff: time.Millisecond, MaxBackoff: time.Millisecond, Multiplier: 1}
			c, err := NewClient(cfg)
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			batches := promFlush(30, 20)
			batches[0].Hints.Set("ttl", "7d")
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			n, err := c.Write(ctx, batches...)
			if err != nil || n != 600 {
				t.Fatalf("wrote %d rows, %v", n, err)
			}
			h := c.header(c.callOptions(nil))
			wantByHints := map[string]*gpb.GreptimeRequest{
				"ttl=7d": refRequest(t, h, batches[:1]),
				"":       refRequest(t, h, batches[1:]),
			}
			calls := ws.received()
			if len(calls) != 3 { // the hinted group fails once and is retried
				t.Fatalf("%d calls, want 3", len(calls))
			}
			for i, call := range calls {
				hints := call.md.Get(HeaderHints)
				key := ""
				if len(hints) == 1 {
					key = hints[0]
				}
				if ct := call.md.Get("content-type"); len(ct) != 1 || ct[0] != "application/grpc" {
					t.Errorf("call %d content-type %q", i, ct)
				}
				ws.mu.Lock()
				enc := ws.comp[i]
				ws.mu.Unlock()
				if enc != string(comp) {
					t.Errorf("call %d grpc-encoding %q, want %q", i, enc, comp)
				}
				if call.method != handleMethod || len(call.reqs) != 1 || !proto.Equal(call.reqs[0], wantByHints[key]) {
					t.Fatalf("call %d (%s, hints %q) did not carry the reference request", i, call.method, key)
				}
			}
		})
	}
}

// TestStreamSendsReferenceBytes checks StreamInserter.Write's requests and
// a raw Insert on the same stream arrive as the reference messages.
func TestStreamSendsReferenceBytes(t *testing.T) {
	ws, addr := startWireServer(t, 0)
	cfg := DefaultConfig(addr)
	cfg.Compression = CompressionZstd
	c, err := NewClient(cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	st, err := c.NewStreamInserter(ctx, WithHints(table.Hints{{Key: "append_mode", Value: "true"}}))
	if err != nil {
		t.Fatal(err)
	}
	first, second := promFlush(5, 3), promFlush(2, 40)
	raw := refRequest(t, &gpb.RequestHeader{}, benchBatchN(2)).GetRowInserts()
	for _, step := range []func() error{
		func() error { return st.Write(first...) },
		func() error { return st.Insert(raw) },
		func() error { return st.Write(second...) },
	} {
		if err := step(); err != nil {
			t.Fatal(err)
		}
	}
	n, err := st.CloseAndRecv()
	if err != nil || n != 15+2+80 {
		t.Fatalf("stream wrote %d rows, %v", n, err)
	}
	h := c.header(c.callOptions(nil))
	want := []*gpb.GreptimeRequest{
		refRequest(t, h, first),
		{Header: h, Request: &gpb.GreptimeRequest_RowInserts{RowInserts: raw}},
		refRequest(t, h, second),
	}
	calls := ws.received()
	if len(calls) != 1 || len(calls[0].reqs) != len(want) {
		t.Fatalf("calls %d", len(calls))
	}
	for i, w := range want {
		if !proto.Equal(calls[0].reqs[i], w) {
			t.Errorf("request %d differs from the reference", i)
		}
	}
	if got := calls[0].md.Get(HeaderHints); len(got) != 1 || got[0] != "append_mode=true" {
		t.Errorf("stream hints %q", got)
	}
}

func benchBatchN(n int) []*table.Batch { return []*table.Batch{benchBatch(n)} }

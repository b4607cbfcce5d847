package writer_test

import (
	"net"
	"slices"
	"strconv"
	"sync"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/flight"
	"github.com/apache/arrow-go/v18/arrow/ipc"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"google.golang.org/grpc"
	"google.golang.org/grpc/metadata"

	"github.com/greptime-bridge/greptime-bridge/writer"
)

// recordingServer answers like GreptimeDB (ack 0 at once, then one response
// per batch echoing its id) and records every message the client sent, so
// the wire sequence of §3.1 can be checked message by message.
type recordingServer struct {
	flight.BaseFlightServer
	mu   sync.Mutex
	msgs []*flight.FlightData
	md   metadata.MD
}

func (r *recordingServer) DoPut(stream flight.FlightService_DoPutServer) error {
	r.mu.Lock()
	r.md, _ = metadata.FromIncomingContext(stream.Context())
	r.mu.Unlock()
	if err := stream.Send(&flight.PutResult{AppMetadata: []byte(`{"request_id":0,"affected_rows":0,"elapsed_secs":0.0}`)}); err != nil {
		return err
	}
	for n := 0; ; n++ {
		fd, err := stream.Recv()
		if err != nil {
			return nil // io.EOF after CloseSend
		}
		r.mu.Lock()
		r.msgs = append(r.msgs, fd)
		r.mu.Unlock()
		if n > 0 {
			meta := `{"request_id":` + strconv.Itoa(n) + `,"affected_rows":1,"elapsed_secs":0.001}`
			if err := stream.Send(&flight.PutResult{AppMetadata: []byte(meta)}); err != nil {
				return err
			}
		}
	}
}

func TestBulkWireSequence(t *testing.T) {
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	rs := &recordingServer{}
	gs := grpc.NewServer()
	flight.RegisterFlightServiceServer(gs, rs)
	go func() { _ = gs.Serve(lis) }()
	defer gs.Stop()
	cfg := writer.DefaultConfig(lis.Addr().String())
	cfg.Database, cfg.Username, cfg.Password = "greptime-metrics", "bob", "pw"
	c, err := writer.NewClient(cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	ctx := bulkCtx(t)
	w, err := c.NewBulkInserter("").StreamWriter(ctx, sensorSchema, writer.WithBulkCompression(writer.BulkZstd))
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 2; i++ {
		resp, err := w.WriteRows(ctx, sensorBatch(t, 3, int64(i*10)))
		if err != nil || resp.RequestID != int64(i+1) {
			t.Fatalf("batch %d: %+v %v", i, resp, err)
		}
	}
	if err := w.Finish(ctx); err != nil {
		t.Fatal(err)
	}
	rs.mu.Lock()
	defer rs.mu.Unlock()
	if got := rs.md.Get("x-greptime-db-name"); !slices.Equal(got, []string{"greptime-metrics"}) {
		t.Errorf("x-greptime-db-name %v", got)
	}
	if got := rs.md.Get("x-greptime-auth"); !slices.Equal(got, []string{"Basic Ym9iOnB3"}) { // base64("bob:pw")
		t.Errorf("x-greptime-auth %v", got)
	}
	if len(rs.msgs) != 3 {
		t.Fatalf("%d messages, want schema + 2 batches", len(rs.msgs))
	}
	want := []string{`{"request_id":0}`, `{"request_id":1}`, `{"request_id":2}`}
	for i, fd := range rs.msgs {
		if string(fd.AppMetadata) != want[i] {
			t.Errorf("message %d app_metadata %q, want %q", i, fd.AppMetadata, want[i])
		}
		if d := fd.FlightDescriptor; (i == 0) != (d != nil) {
			t.Errorf("message %d descriptor %v: only the first carries one", i, d)
		}
		msg := ipc.NewMessage(memory.NewBufferBytes(fd.DataHeader), memory.NewBufferBytes(fd.DataBody))
		wantType := ipc.MessageRecordBatch
		if i == 0 {
			wantType = ipc.MessageSchema
		}
		if msg.Type() != wantType {
			t.Errorf("message %d is %s, want %s", i, msg.Type(), wantType)
		}
		msg.Release()
	}
	d := rs.msgs[0].FlightDescriptor
	if d.Type != flight.DescriptorPATH || !slices.Equal(d.Path, []string{"sensor"}) {
		t.Errorf("descriptor %v, want PATH [sensor]", d)
	}
}

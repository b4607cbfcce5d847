package writer_test

import (
	"errors"
	"net"
	"slices"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow/flight"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"

	"github.com/greptime-bridge/greptime-bridge/writer"
	"github.com/greptime-bridge/greptime-bridge/writer/greptimetest"
)

func TestBulkBrokenStreamFailsPendingIDs(t *testing.T) {
	s, c := bulkSetup(t, greptimetest.Options{})
	ctx := bulkCtx(t)
	createByInsert(t, c, sensorBatch(t, 1, -1000))
	w, err := c.NewBulkInserter("").StreamWriter(ctx, sensorSchema, writer.WithParallelism(8))
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	if _, err := w.WriteRows(ctx, sensorBatch(t, 5, 0)); err != nil {
		t.Fatal(err)
	}
	if _, err := w.WriteRows(ctx, sensorBatch(t, 5, 100)); err != nil {
		t.Fatal(err)
	}
	// The next stream breaks after one batch. Responses are slowed down
	// (SetLatency delays each response by 1s) so the batches written after
	// the first are pending when the break arrives.
	s.BreakStreamAfter(1)
	s.SetLatency(time.Second)
	w2, err := c.NewBulkInserter("").StreamWriter(ctx, sensorSchema)
	if err != nil {
		t.Fatal(err)
	}
	defer w2.Close()
	var ids []int64
	for i := 0; i < 3; i++ {
		id, err := w2.WriteAsync(ctx, sensorBatch(t, 2, int64(1000+10*i)))
		if err != nil {
			break // the stream ended already: this batch was not sent
		}
		ids = append(ids, id)
	}
	if len(ids) < 2 {
		t.Fatalf("only %d batches were sent before the break", len(ids))
	}
	err = w2.WaitAll(ctx)
	s.SetLatency(0)
	var se *writer.StreamEndedError
	if !errors.As(err, &se) || !errors.Is(err, writer.ErrStreamEnded) {
		t.Fatalf("got %v, want StreamEndedError", err)
	}
	if !slices.Equal(se.Pending, ids[1:]) || !slices.Equal(se.Acked, []int64{1}) {
		t.Fatalf("pending %v acked %v, want %v and [1]", se.Pending, se.Acked, ids[1:])
	}
	var srv *writer.ServerError
	if !errors.As(err, &srv) || srv.Code != codes.Unavailable {
		t.Fatalf("cause %v, want the server's Unavailable status", se.Cause)
	}
	if !writer.IsRetryable(err) {
		t.Fatal("a broken stream should be retryable")
	}
	if _, err := w2.WriteAsync(ctx, sensorBatch(t, 1, 9999)); !errors.Is(err, writer.ErrStreamEnded) {
		t.Fatalf("write on an ended stream: %v", err)
	}
	// The first stream is unaffected.
	if _, err := w.WriteRows(ctx, sensorBatch(t, 5, 200)); err != nil {
		t.Fatal(err)
	}
	if err := w.Finish(ctx); err != nil {
		t.Fatal(err)
	}
	if n := s.PathCounts("public", "sensor")[greptimetest.PathBulk]; n != 17 {
		t.Fatalf("bulk wrote %d rows, want 17", n)
	}
}

func TestBulkTimeoutReportsIDs(t *testing.T) {
	s, c := bulkSetup(t, greptimetest.Options{})
	ctx := bulkCtx(t)
	createByInsert(t, c, sensorBatch(t, 1, -1000))
	// Long enough for id 1's answer on a loaded CI machine; ids 2 and 3
	// then wait this long for answers that never come.
	w, err := c.NewBulkInserter("").StreamWriter(ctx, sensorSchema, writer.WithBulkTimeout(2*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	if _, err := w.WriteRows(ctx, sensorBatch(t, 1, 0)); err != nil {
		t.Fatal(err)
	}
	// SetLatency delays every later response of the open stream by an hour.
	s.SetLatency(time.Hour)
	defer s.SetLatency(0)
	_, err = w.WriteRows(ctx, sensorBatch(t, 1, 5))
	var te *writer.TimeoutError
	if !errors.As(err, &te) || !slices.Equal(te.IDs, []int64{2}) || !errors.Is(err, writer.ErrTimeout) {
		t.Fatalf("got %v, want a timeout for id 2", err)
	}
	if !writer.IsRetryable(err) {
		t.Fatal("a timeout should be retryable")
	}
	if _, err := w.WriteAsync(ctx, sensorBatch(t, 1, 10)); err != nil {
		t.Fatal(err)
	}
	err = w.WaitAll(ctx)
	if !errors.As(err, &te) || !slices.Equal(te.IDs, []int64{2, 3}) {
		t.Fatalf("wait all: got %v, want a timeout for ids [2 3]", err)
	}
}

// endingServer is a minimal Flight service that acknowledges the stream and
// the first batch, then ends the stream OK without answering the rest: what
// GreptimeDB does when its 32-slot response queue was full (§7.5).
type endingServer struct {
	flight.BaseFlightServer
}

func (*endingServer) DoPut(stream flight.FlightService_DoPutServer) error {
	if err := stream.Send(&flight.PutResult{AppMetadata: []byte(`{"request_id":0,"affected_rows":0,"elapsed_secs":0.0}`)}); err != nil {
		return err
	}
	for n := 0; ; n++ {
		if _, err := stream.Recv(); err != nil {
			return err
		}
		switch n {
		case 0: // schema
		case 1:
			if err := stream.Send(&flight.PutResult{AppMetadata: []byte(`{"request_id":1,"affected_rows":1,"elapsed_secs":0.0}`)}); err != nil {
				return err
			}
		case 3:
			return nil // batches 2 and 3 are never answered
		}
	}
}

func TestBulkSilentEndFailsPendingIDs(t *testing.T) {
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	gs := grpc.NewServer()
	flight.RegisterFlightServiceServer(gs, &endingServer{})
	go func() { _ = gs.Serve(lis) }()
	defer gs.Stop()
	c, err := writer.NewClient(writer.DefaultConfig(lis.Addr().String()))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	ctx := bulkCtx(t)
	w, err := c.NewBulkInserter("").StreamWriter(ctx, sensorSchema)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	if _, err := w.WriteRows(ctx, sensorBatch(t, 1, 0)); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 2; i++ {
		if _, err := w.WriteAsync(ctx, sensorBatch(t, 1, int64(10+i))); err != nil {
			t.Fatal(err)
		}
	}
	err = w.Finish(ctx)
	var se *writer.StreamEndedError
	if !errors.As(err, &se) || se.Cause != nil {
		t.Fatalf("got %v, want a StreamEndedError without cause", err)
	}
	if !slices.Equal(se.Pending, []int64{2, 3}) || !slices.Equal(se.Acked, []int64{1}) {
		t.Fatalf("pending %v acked %v, want [2 3] and [1]", se.Pending, se.Acked)
	}
}

func TestBulkFailoverToNextEndpoint(t *testing.T) {
	s1 := greptimetest.StartT(t, greptimetest.Options{})
	s2 := greptimetest.StartT(t, greptimetest.Options{})
	ctx := bulkCtx(t)
	for _, s := range []*greptimetest.Server{s1, s2} {
		c1, err := writer.NewClient(writer.DefaultConfig(s.Addr()))
		if err != nil {
			t.Fatal(err)
		}
		createByInsert(t, c1, sensorBatch(t, 1, -1000))
		_ = c1.Close()
	}
	cfg := writer.DefaultConfig(s1.Addr(), s2.Addr())
	cfg.RequestTimeout = 10 * time.Second
	c, err := writer.NewClient(cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	bi := c.NewBulkInserter("")
	w, err := bi.StreamWriter(ctx, sensorSchema)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	if _, err := w.WriteRows(ctx, sensorBatch(t, 10, 0)); err != nil {
		t.Fatal(err)
	}
	s1.SetLatency(time.Hour) // the next batches stay pending
	var pending []int64
	for i := 0; i < 3; i++ {
		id, err := w.WriteAsync(ctx, sensorBatch(t, 10, int64(100+10*i)))
		if err != nil {
			t.Fatal(err)
		}
		pending = append(pending, id)
	}
	s1.Stop()
	err = w.WaitAll(ctx)
	var se *writer.StreamEndedError
	if !errors.As(err, &se) || !slices.Equal(se.Pending, pending) || !slices.Equal(se.Acked, []int64{1}) {
		t.Fatalf("got %v, want ids %v failed and [1] acked", err, pending)
	}
	if !writer.IsRetryable(err) {
		t.Fatalf("stream lost to a stopped server should be retryable: %v", err)
	}
	// A new stream goes to the second endpoint and works.
	w2, err := bi.StreamWriter(ctx, sensorSchema)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w2.WriteRows(ctx, sensorBatch(t, 30, 100)); err != nil {
		t.Fatal(err)
	}
	if err := w2.Finish(ctx); err != nil {
		t.Fatal(err)
	}
	if n := s2.PathCounts("public", "sensor")[greptimetest.PathBulk]; n != 30 {
		t.Fatalf("second server got %d bulk rows, want 30", n)
	}
	if n := s1.PathCounts("public", "sensor")[greptimetest.PathBulk]; n < 10 || n > 40 {
		t.Fatalf("first server got %d bulk rows", n)
	}
}

func TestBulkArrowMemoryLeakFreeAfterFailure(t *testing.T) {
	s, c := bulkSetup(t, greptimetest.Options{})
	ctx := bulkCtx(t)
	createByInsert(t, c, sensorBatch(t, 1, -1000))
	for _, comp := range []writer.BulkCompression{writer.BulkLZ4, writer.BulkZstd, writer.BulkNoCompression} {
		mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
		s.BreakStreamAfter(2)
		w, err := c.NewBulkInserter("").StreamWriter(ctx, sensorSchema, writer.WithAllocator(mem), writer.WithBulkCompression(comp))
		if err != nil {
			t.Fatal(err)
		}
		var failed error
		for i := 0; i < 4 && failed == nil; i++ {
			_, failed = w.WriteAsync(ctx, sensorBatch(t, 500, int64(i)*1000))
		}
		if err := w.WaitAll(ctx); failed == nil {
			failed = err
		}
		if !errors.Is(failed, writer.ErrStreamEnded) {
			t.Fatalf("broken stream: got %v", failed)
		}
		_ = w.Close()
		mem.AssertSize(t, 0)
	}
}

func TestBulkOpenSkipsStoppedEndpoint(t *testing.T) {
	s1 := greptimetest.StartT(t, greptimetest.Options{})
	s2 := greptimetest.StartT(t, greptimetest.Options{})
	ctx := bulkCtx(t)
	c2, err := writer.NewClient(writer.DefaultConfig(s2.Addr()))
	if err != nil {
		t.Fatal(err)
	}
	createByInsert(t, c2, sensorBatch(t, 1, -1000))
	_ = c2.Close()
	s1.Stop()
	c, err := writer.NewClient(writer.DefaultConfig(s1.Addr(), s2.Addr()))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	w, err := c.NewBulkInserter("").StreamWriter(ctx, sensorSchema)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.WriteRows(ctx, sensorBatch(t, 7, 0)); err != nil {
		t.Fatal(err)
	}
	if err := w.Finish(ctx); err != nil {
		t.Fatal(err)
	}
	if n := s2.PathCounts("public", "sensor")[greptimetest.PathBulk]; n != 7 {
		t.Fatalf("second server got %d bulk rows, want 7", n)
	}
}

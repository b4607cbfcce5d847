package greptimetest

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"strconv"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/flight"
	"github.com/apache/arrow-go/v18/arrow/ipc"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	"github.com/greptime-bridge/greptime-bridge/writer/table"
)

// putMkTable registers a table directly in the catalog, as an admin would
// with CREATE TABLE, so bulk tests do not depend on the row-insert path.
func putMkTable(t testing.TB, s *Server, db string, info TableInfo) {
	t.Helper()
	k := parseDB(db)
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.dbs[k] == nil {
		s.dbs[k] = &database{key: k, tables: map[string]*tableState{}}
	}
	s.addTable(k, info)
}

// putCPUTable is host STRING tag, ts TIMESTAMP(ms) time index, usage DOUBLE
// and note STRING fields.
func putCPUTable(name string) TableInfo {
	return TableInfo{
		Name:   name,
		Engine: "mito",
		Columns: []ColumnInfo{
			{Name: "host", Type: table.String, Semantic: table.Tag, Nullable: true},
			{Name: "ts", Type: table.TimestampMillisecond, Semantic: table.Timestamp},
			{Name: "usage", Type: table.Float64, Semantic: table.Field, Nullable: true},
			{Name: "note", Type: table.String, Semantic: table.Field, Nullable: true},
		},
		PrimaryKey: []string{"host"},
		TimeIndex:  "ts",
	}
}

// putDial returns a Flight client for addr, closed at the test's end.
func putDial(t testing.TB, addr string) flight.FlightServiceClient {
	t.Helper()
	conn, err := grpc.NewClient(addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatalf("dial %s: %v", addr, err)
	}
	t.Cleanup(func() { _ = conn.Close() })
	return flight.NewFlightServiceClient(conn)
}

// putConn is one client DoPut stream.
type putConn struct {
	t      testing.TB
	stream flight.FlightService_DoPutClient
}

// openPut opens a DoPut stream with metadata key/value pairs.
func openPut(t testing.TB, c flight.FlightServiceClient, kv ...string) *putConn {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	if len(kv) > 0 {
		ctx = metadata.AppendToOutgoingContext(ctx, kv...)
	}
	st, err := c.DoPut(ctx)
	if err != nil {
		t.Fatalf("DoPut: %v", err)
	}
	return &putConn{t: t, stream: st}
}

// putResponse is the JSON app_metadata of a PutResult.
type putResponse struct {
	RequestID    int64    `json:"request_id"`
	AffectedRows int      `json:"affected_rows"`
	ElapsedSecs  *float64 `json:"elapsed_secs"`
	raw          string
}

// recv reads one PutResult.
func (p *putConn) recv() (putResponse, error) {
	r, err := p.stream.Recv()
	if err != nil {
		return putResponse{}, err
	}
	var out putResponse
	if err := json.Unmarshal(r.AppMetadata, &out); err != nil {
		p.t.Fatalf("response app_metadata %q is not JSON: %v", r.AppMetadata, err)
	}
	out.raw = string(r.AppMetadata)
	return out, nil
}

// mustRecv reads one PutResult and fails the test on error.
func (p *putConn) mustRecv() putResponse {
	p.t.Helper()
	r, err := p.recv()
	if err != nil {
		p.t.Fatalf("recv: %v", err)
	}
	return r
}

// drain reads responses until the stream ends and returns them with the
// final error (nil for OK).
func (p *putConn) drain() ([]putResponse, error) {
	var out []putResponse
	for {
		r, err := p.recv()
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return out, err
		}
		out = append(out, r)
	}
}

// writer returns a record writer on the stream for table name; opts add to
// ipc.WithSchema.
func (p *putConn) writer(name string, sc *arrow.Schema, opts ...ipc.Option) *flight.Writer {
	w := flight.NewRecordWriter(p.stream, append([]ipc.Option{ipc.WithSchema(sc)}, opts...)...)
	w.SetFlightDescriptor(&flight.FlightDescriptor{Type: flight.DescriptorPATH, Path: []string{name}})
	return w
}

// putIDMeta is the request app_metadata for id.
func putIDMeta(id int64) []byte { return []byte(`{"request_id":` + strconv.FormatInt(id, 10) + `}`) }

// putCPUSchema is the Arrow schema of putCPUTable.
func putCPUSchema() *arrow.Schema {
	return arrow.NewSchema([]arrow.Field{
		{Name: "host", Type: arrow.BinaryTypes.String, Nullable: true},
		{Name: "ts", Type: &arrow.TimestampType{Unit: arrow.Millisecond}},
		{Name: "usage", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
		{Name: "note", Type: arrow.BinaryTypes.String, Nullable: true},
	}, nil)
}

// putRecord fills a record of sc with rows, one []any per row, values in
// field order (nil = NULL). The caller releases it.
func putRecord(t testing.TB, mem memory.Allocator, sc *arrow.Schema, rows ...[]any) arrow.RecordBatch {
	t.Helper()
	b := array.NewRecordBuilder(mem, sc)
	defer b.Release()
	for _, row := range rows {
		for i, v := range row {
			fb := b.Field(i)
			if v == nil {
				fb.AppendNull()
				continue
			}
			switch bb := fb.(type) {
			case *array.StringBuilder:
				bb.Append(v.(string))
			case *array.LargeStringBuilder:
				bb.Append(v.(string))
			case *array.StringViewBuilder:
				bb.Append(v.(string))
			case *array.BinaryBuilder:
				bb.Append(v.([]byte))
			case *array.TimestampBuilder:
				bb.Append(arrow.Timestamp(v.(int64)))
			case *array.Float64Builder:
				bb.Append(v.(float64))
			case *array.Int64Builder:
				bb.Append(v.(int64))
			case *array.Int32Builder:
				bb.Append(v.(int32))
			default:
				t.Fatalf("putRecord: no case for %T", fb)
			}
		}
	}
	return b.NewRecordBatch()
}

// putWrite builds one record, writes it with request id and releases it.
func putWrite(t testing.TB, w *flight.Writer, mem memory.Allocator, sc *arrow.Schema, id int64, rows ...[]any) {
	t.Helper()
	rec := putRecord(t, mem, sc, rows...)
	defer rec.Release()
	// io.EOF means the server ended the stream; its status comes from Recv.
	if err := w.WriteWithAppMetadata(rec, putIDMeta(id)); err != nil && !errors.Is(err, io.EOF) {
		t.Fatalf("write batch %d: %v", id, err)
	}
}

// putWantStatus checks a stream's final error: gRPC code, GreptimeDB code in
// the trailer (0 = no trailer) and exact message.
func putWantStatus(t *testing.T, p *putConn, err error, code codes.Code, gcode int, msg string) {
	t.Helper()
	st, _ := status.FromError(err)
	if st.Code() != code || st.Message() != msg {
		t.Fatalf("status = %v %q, want %v %q", st.Code(), st.Message(), code, msg)
	}
	got := p.stream.Trailer().Get("x-greptime-err-code")
	if gcode == 0 {
		if len(got) != 0 {
			t.Fatalf("x-greptime-err-code = %v, want none", got)
		}
		return
	}
	if len(got) != 1 || got[0] != strconv.Itoa(gcode) {
		t.Fatalf("x-greptime-err-code = %v, want %d", got, gcode)
	}
}

// putCheckedAlloc returns an allocator that fails the test if anything
// allocated through it is still held at the end.
func putCheckedAlloc(t *testing.T) *memory.CheckedAllocator {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	t.Cleanup(func() { mem.AssertSize(t, 0) })
	return mem
}

// startFlightOnly serves a flightService with allocator mem for server s on
// a second listener, so a test can check the server's Arrow memory; it
// returns the address and the service.
func startFlightOnly(t *testing.T, s *Server, mem memory.Allocator) (string, *flightService) {
	t.Helper()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("listen: %v", err)
	}
	gs := grpc.NewServer()
	fs := &flightService{s: s, mem: mem}
	flight.RegisterFlightServiceServer(gs, fs)
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = gs.Serve(lis)
	}()
	t.Cleanup(func() {
		gs.Stop()
		<-done
		fs.producers.Wait()
	})
	return lis.Addr().String(), fs
}

package e2e

import (
	"context"
	"encoding/binary"
	"errors"
	"io"
	"net"
	"sort"
	"sync"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/flight"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"
	"google.golang.org/protobuf/proto"
)

// rawCodec passes gRPC messages through as bytes, so the tap forwards any
// method without knowing its types.
type rawCodec struct{}

func (rawCodec) Marshal(v any) ([]byte, error) { return *v.(*[]byte), nil }
func (rawCodec) Unmarshal(data []byte, v any) error {
	*v.(*[]byte) = append([]byte(nil), data...)
	return nil
}
func (rawCodec) Name() string { return "proto" }

// flightTap is a gRPC proxy between the bridge and the test server that
// forwards every call unchanged and records the row count of each Arrow
// record batch sent by DoPut, per table: the bridge and the test server
// report rows per path, not batch sizes.
type flightTap struct {
	mu      sync.Mutex
	batches map[string][]int // table → rows of each record batch
}

const doPutMethod = "/arrow.flight.protocol.FlightService/DoPut"

// startFlightTap listens on 127.0.0.1 and forwards to target.
func startFlightTap(t *testing.T, target string) (string, *flightTap) {
	t.Helper()
	conn, err := grpc.NewClient(target, grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpc.WithDefaultCallOptions(grpc.ForceCodec(rawCodec{})))
	if err != nil {
		t.Fatal(err)
	}
	tap := &flightTap{batches: map[string][]int{}}
	srv := grpc.NewServer(grpc.ForceServerCodec(rawCodec{}), grpc.MaxRecvMsgSize(1<<30),
		grpc.UnknownServiceHandler(func(_ any, ss grpc.ServerStream) error { return tap.forward(conn, ss) }))
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() {
		srv.Stop()
		conn.Close()
	})
	return ln.Addr().String(), tap
}

func (tap *flightTap) forward(conn *grpc.ClientConn, ss grpc.ServerStream) error {
	method, _ := grpc.MethodFromServerStream(ss)
	md, _ := metadata.FromIncomingContext(ss.Context())
	ctx, cancel := context.WithCancel(metadata.NewOutgoingContext(ss.Context(), md.Copy()))
	defer cancel()
	cs, err := conn.NewStream(ctx, &grpc.StreamDesc{ServerStreams: true, ClientStreams: true}, method,
		grpc.MaxCallRecvMsgSize(1<<30), grpc.MaxCallSendMsgSize(1<<30))
	if err != nil {
		return err
	}
	go func() {
		table := ""
		for {
			var m []byte
			if err := ss.RecvMsg(&m); err != nil {
				_ = cs.CloseSend()
				return
			}
			if method == doPutMethod {
				table = tap.observe(table, m)
			}
			if err := cs.SendMsg(&m); err != nil {
				return
			}
		}
	}()
	if hdr, err := cs.Header(); err == nil {
		_ = ss.SendHeader(hdr)
	}
	for {
		var m []byte
		err := cs.RecvMsg(&m)
		if err != nil {
			ss.SetTrailer(cs.Trailer())
			if errors.Is(err, io.EOF) {
				return nil
			}
			return err
		}
		if err := ss.SendMsg(&m); err != nil {
			return err
		}
	}
}

// observe decodes one DoPut FlightData: the first of a stream names the
// table in its descriptor; record batches add their row count.
func (tap *flightTap) observe(table string, m []byte) string {
	var fd flight.FlightData
	if err := proto.Unmarshal(m, &fd); err != nil {
		return table
	}
	if d := fd.GetFlightDescriptor(); d != nil && len(d.GetPath()) > 0 {
		table = d.GetPath()[len(d.GetPath())-1]
	}
	if rows, ok := recordBatchRows(fd.GetDataHeader()); ok {
		tap.mu.Lock()
		tap.batches[table] = append(tap.batches[table], rows)
		tap.mu.Unlock()
	}
	return table
}

// sizes returns the record batch sizes seen for table.
func (tap *flightTap) sizes(table string) []int {
	tap.mu.Lock()
	defer tap.mu.Unlock()
	return append([]int(nil), tap.batches[table]...)
}

func median(xs []int) int {
	if len(xs) == 0 {
		return 0
	}
	s := append([]int(nil), xs...)
	sort.Ints(s)
	return s[len(s)/2]
}

// recordBatchRows reads an Arrow IPC Message flatbuffer (format/Message.fbs:
// Message{version, header_type, header, bodyLength}) and, when its header
// is a RecordBatch (type 3), returns RecordBatch.length (field 0).
func recordBatchRows(b []byte) (int, bool) {
	msg, ok := fbRoot(b)
	if !ok {
		return 0, false
	}
	typePos, ok := fbField(b, msg, 1)
	if !ok || typePos >= len(b) || b[typePos] != 3 {
		return 0, false
	}
	hdrPos, ok := fbField(b, msg, 2)
	if !ok || hdrPos+4 > len(b) {
		return 0, false
	}
	rb := hdrPos + int(binary.LittleEndian.Uint32(b[hdrPos:]))
	lenPos, ok := fbField(b, rb, 0)
	if !ok {
		return 0, true // length defaults to 0
	}
	if lenPos+8 > len(b) {
		return 0, false
	}
	return int(binary.LittleEndian.Uint64(b[lenPos:])), true
}

// fbRoot returns the position of a flatbuffer's root table.
func fbRoot(b []byte) (int, bool) {
	if len(b) < 4 {
		return 0, false
	}
	pos := int(binary.LittleEndian.Uint32(b))
	return pos, pos+4 <= len(b)
}

// fbField returns the absolute position of field i of the table at pos,
// or false when the field is absent or the buffer is malformed.
func fbField(b []byte, pos, i int) (int, bool) {
	if pos < 0 || pos+4 > len(b) {
		return 0, false
	}
	vt := pos - int(int32(binary.LittleEndian.Uint32(b[pos:])))
	if vt < 0 || vt+4 > len(b) {
		return 0, false
	}
	vtLen := int(binary.LittleEndian.Uint16(b[vt:]))
	slot := 4 + 2*i
	if slot+2 > vtLen || vt+slot+2 > len(b) {
		return 0, false
	}
	off := int(binary.LittleEndian.Uint16(b[vt+slot:]))
	if off == 0 {
		return 0, false
	}
	return pos + off, true
}

package greptimetest

import (
	"bytes"
	"errors"
	"io"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/flight"
	"github.com/apache/arrow-go/v18/arrow/ipc"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"google.golang.org/grpc/codes"
)

// putCapture records the FlightData a flight.Writer produces, deep-copied
// because the writer reuses its buffers.
type putCapture struct{ msgs []*flight.FlightData }

func (c *putCapture) Send(fd *flight.FlightData) error {
	c.msgs = append(c.msgs, &flight.FlightData{
		FlightDescriptor: fd.FlightDescriptor,
		DataHeader:       bytes.Clone(fd.DataHeader),
		DataBody:         bytes.Clone(fd.DataBody),
		AppMetadata:      bytes.Clone(fd.AppMetadata),
	})
	return nil
}

// putEncoded returns the schema message and one batch message of putCPUSchema.
func putEncoded(t testing.TB) (schema, batch *flight.FlightData) {
	t.Helper()
	var c putCapture
	sc := putCPUSchema()
	w := flight.NewRecordWriter(&c, ipc.WithSchema(sc))
	putWrite(t, w, memory.NewGoAllocator(), sc, 1, []any{"h", int64(1), 1.0, nil})
	if len(c.msgs) != 2 {
		t.Fatalf("captured %d messages", len(c.msgs))
	}
	return c.msgs[0], c.msgs[1]
}

func TestDoPutStreamErrorsAreWrappedAfterAck(t *testing.T) {
	s := StartT(t, Options{})
	putMkTable(t, s, "public", putCPUTable("cpu"))
	c := putDial(t, s.Addr())
	path := func(p ...string) *flight.FlightDescriptor {
		return &flight.FlightDescriptor{Type: flight.DescriptorPATH, Path: p}
	}
	wrap := func(code, msg string) string {
		return "Incomplete GRPC request: Stream error: Status { code: " + code + `, message: "` + msg + `", source: None }`
	}
	cases := []struct {
		name string
		send func(schema, batch *flight.FlightData) []*flight.FlightData
		msg  string
	}{
		{"no descriptor", func(sm, b *flight.FlightData) []*flight.FlightData {
			sm.FlightDescriptor = nil
			return []*flight.FlightData{sm, b}
		}, wrap("FailedPrecondition", "table to put is not found in flight descriptor")},
		{"cmd descriptor", func(sm, b *flight.FlightData) []*flight.FlightData {
			sm.FlightDescriptor = &flight.FlightDescriptor{Type: flight.DescriptorCMD, Cmd: []byte("cpu")}
			return []*flight.FlightData{sm, b}
		}, wrap("InvalidArgument", "Invalid request parameter: expect FlightDescriptor::type == 'Path' only")},
		{"two path elements", func(sm, b *flight.FlightData) []*flight.FlightData {
			sm.FlightDescriptor = path("public", "cpu")
			return []*flight.FlightData{sm, b}
		}, wrap("InvalidArgument", "Invalid request parameter: expect FlightDescriptor::path has only one table name")},
		{"batch before schema", func(sm, b *flight.FlightData) []*flight.FlightData {
			b.FlightDescriptor = path("cpu")
			return []*flight.FlightData{b}
		}, wrap("InvalidArgument", "Failed to decode schema: Invalid FlightData, reason: Should have decoded schema first!")},
		{"second schema", func(sm, b *flight.FlightData) []*flight.FlightData {
			sm.FlightDescriptor = path("cpu")
			return []*flight.FlightData{sm, sm}
		}, wrap("InvalidArgument", "Expected RecordBatch message, got other message type")},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			sm, b := putEncoded(t)
			p := openPut(t, c)
			if r := p.mustRecv(); r.RequestID != 0 {
				t.Fatalf("first response = %s, want the ack", r.raw)
			}
			for _, fd := range tc.send(sm, b) {
				// io.EOF: the server already ended the stream; the status
				// comes from Recv.
				if err := p.stream.Send(fd); err != nil && !errors.Is(err, io.EOF) {
					t.Fatal(err)
				}
			}
			_, err := p.recv()
			putWantStatus(t, p, err, codes.InvalidArgument, int(StatusInvalidArguments), tc.msg)
		})
	}
	if n := s.RowCount("public", "cpu"); n != 0 {
		t.Fatalf("rows = %d after refused streams", n)
	}
}

func TestDoPutTableCheckedOnFirstBatch(t *testing.T) {
	s := StartT(t, Options{})
	c := putDial(t, s.Addr())
	sc := putCPUSchema()

	// Schema only, then close: no batch, so no lookup and no error.
	p := openPut(t, c)
	p.mustRecv()
	w := p.writer("nope", sc)
	if err := w.Close(); err != nil { // emits the schema
		t.Fatal(err)
	}
	_ = p.stream.CloseSend()
	if rest, err := p.drain(); err != nil || len(rest) != 0 {
		t.Fatalf("schema-only stream: %v, %v", rest, err)
	}

	p = openPut(t, c)
	p.mustRecv()
	putWrite(t, p.writer("nope", sc), memory.NewGoAllocator(), sc, 1, []any{"h", int64(1), 1.0, nil})
	_, err := p.recv()
	putWantStatus(t, p, err, codes.NotFound, int(StatusTableNotFound), "Table not found: greptime.public.nope")
	if len(s.Tables("public")) != 0 {
		t.Fatalf("bulk created a table: %v", s.Tables("public"))
	}
}

func TestDoPutFirstErrorEndsStream(t *testing.T) {
	s := StartT(t, Options{})
	putMkTable(t, s, "public", putCPUTable("cpu"))
	p := openPut(t, putDial(t, s.Addr()))
	p.mustRecv()
	mem := memory.NewGoAllocator()
	sc := putCPUSchema()
	w := p.writer("cpu", sc)
	putWrite(t, w, mem, sc, 1, []any{"a", int64(1), 1.0, nil})
	putWrite(t, w, mem, sc, 2, []any{"b", nil, 1.0, nil}) // NULL time index
	// The third batch may or may not reach the server; it is never written.
	rec := putRecord(t, mem, sc, []any{"c", int64(3), 1.0, nil})
	_ = w.WriteWithAppMetadata(rec, putIDMeta(3))
	rec.Release()

	got, err := p.drain()
	if len(got) != 1 || got[0].RequestID != 1 {
		t.Fatalf("responses before the error = %v", got)
	}
	// The batch's own schema declares ts NOT NULL, so arrow-rs refuses it
	// while decoding.
	putWantStatus(t, p, err, codes.InvalidArgument, int(StatusInvalidArguments),
		`Incomplete GRPC request: Stream error: Status { code: InvalidArgument, message: "Failed to decode RecordBatch: Invalid FlightData, reason: Invalid argument error: Column 'ts' is declared as non-nullable but contains null values", source: None }`)
	if n := s.RowCount("public", "cpu"); n != 1 {
		t.Fatalf("rows = %d, want only batch 1", n)
	}
}

func TestFlightOtherMethodsUnimplemented(t *testing.T) {
	s := StartT(t, Options{})
	c := putDial(t, s.Addr())
	_, err := c.GetFlightInfo(t.Context(), &flight.FlightDescriptor{Type: flight.DescriptorPATH, Path: []string{"x"}})
	if got := putErrString(err); got != "rpc error: code = Unimplemented desc = Not yet implemented" {
		t.Fatalf("GetFlightInfo: %s", got)
	}
	// DoGet serves queries; a ticket that is not a GreptimeRequest is
	// refused as one (servers/src/error.rs InvalidFlightTicket).
	st, err := c.DoGet(t.Context(), &flight.Ticket{Ticket: []byte("SELECT 1")})
	if err == nil {
		_, err = st.Recv()
	}
	if got := putErrString(err); got != "rpc error: code = InvalidArgument desc = Invalid Flight ticket" {
		t.Fatalf("DoGet: %s", got)
	}
}

func putErrString(err error) string {
	if err == nil {
		return "<nil>"
	}
	return err.Error()
}

// putTSField is a time-index field of the given type.
func putTSField(t arrow.DataType) arrow.Field { return arrow.Field{Name: "ts", Type: t} }

package greptimetest

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/flight"
	"github.com/apache/arrow-go/v18/arrow/ipc"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// This file reads a DoPut request stream the way PutRecordBatchRequestStream
// does (servers/src/grpc/flight.rs): the first message must carry a PATH
// descriptor naming one table and decode as a Schema; every later message
// is a RecordBatch (dictionary batches are absorbed); app_metadata is JSON
// carrying request_id. Errors of this stage are tonic statuses that the
// frontend wraps as IncompleteGrpcRequest "Stream error: {:?}" with code
// InvalidArguments (frontend/src/instance/grpc.rs
// handle_put_record_batch_stream_inner, §7.1).

// streamError is an error of the stream-reading stage, before the frontend
// wraps it.
func streamError(code codes.Code, msg string) *Error {
	return newErr(StatusInvalidArguments,
		"Incomplete GRPC request: Stream error: Status { code: %s, message: %s, source: None }",
		tonicCode(code), strconv.Quote(msg))
}

// tonicCode is the Debug name of a tonic Code, which spells Cancelled
// with two l's where grpc-go has Canceled.
func tonicCode(c codes.Code) string {
	if c == codes.Canceled {
		return "Cancelled"
	}
	return c.String()
}

// recvError wraps a failure to receive from the client.
func recvError(err error) *Error {
	st, _ := status.FromError(err)
	return streamError(st.Code(), st.Message())
}

// putStream is an open DoPut request stream after its schema message.
type putStream struct {
	table  string
	msgs   *putMessages
	reader *ipc.Reader
}

// openPutStream reads the first message. It returns io.EOF when the client
// closed the stream without sending anything, which the server answers
// with the ack alone.
func openPutStream(stream flight.FlightService_DoPutServer, mem memory.Allocator) (*putStream, error) {
	fd, err := stream.Recv()
	if errors.Is(err, io.EOF) {
		return nil, io.EOF
	}
	if err != nil {
		return nil, recvError(err)
	}
	d := fd.GetFlightDescriptor()
	if d == nil {
		return nil, streamError(codes.FailedPrecondition, "table to put is not found in flight descriptor")
	}
	// PutRecordBatchRequestStream::extract_table_name.
	if d.GetType() != flight.DescriptorPATH {
		return nil, streamError(codes.InvalidArgument, "Invalid request parameter: expect FlightDescriptor::type == 'Path' only")
	}
	if len(d.GetPath()) != 1 {
		return nil, streamError(codes.InvalidArgument, "Invalid request parameter: expect FlightDescriptor::path has only one table name")
	}
	msg, err := parseMessage(fd, nil)
	if err != nil {
		return nil, streamError(codes.InvalidArgument, "Failed to decode schema: "+err.Error())
	}
	// FlightDecoder::try_decode (common/grpc/src/flight.rs) refuses a
	// batch or dictionary before any schema.
	switch msg.Type() {
	case ipc.MessageSchema:
	case ipc.MessageRecordBatch:
		msg.Release()
		return nil, streamError(codes.InvalidArgument, "Failed to decode schema: Invalid FlightData, reason: Should have decoded schema first!")
	case ipc.MessageDictionaryBatch:
		msg.Release()
		return nil, streamError(codes.InvalidArgument, "Failed to decode schema: Invalid FlightData, reason: schema message is not present previously")
	default:
		msg.Release()
		return nil, streamError(codes.FailedPrecondition, "first message must be a Schema message")
	}
	msgs := &putMessages{stream: stream, first: msg}
	rd, err := ipc.NewReaderFromMessageReader(msgs, ipc.WithAllocator(mem))
	if err != nil {
		msgs.Release()
		return nil, streamError(codes.InvalidArgument, "Failed to decode schema: Invalid FlightData, reason: "+err.Error())
	}
	msgs.layout, msgs.layoutErr = ipcLayoutOf(rd.Schema())
	return &putStream{table: d.GetPath()[0], msgs: msgs, reader: rd}, nil
}

// next returns the next record batch and its request id; the batch is
// valid until the following call. It returns io.EOF at the end of the
// stream.
func (p *putStream) next() (arrow.RecordBatch, int64, error) {
	if p.reader.Next() {
		rec := p.reader.RecordBatch()
		if err := checkDecoded(rec); err != nil {
			return nil, 0, err
		}
		return rec, putRequestID(p.msgs.meta), nil
	}
	err := p.reader.Err()
	var ge *Error
	switch {
	case err == nil:
		return nil, 0, io.EOF
	case errors.As(err, &ge):
		return nil, 0, ge
	case p.msgs.recvErr != nil:
		return nil, 0, recvError(p.msgs.recvErr)
	}
	return nil, 0, streamError(codes.InvalidArgument, "Failed to decode RecordBatch: Invalid FlightData, reason: "+err.Error())
}

// checkDecoded validates a decoded batch as arrow-rs does before the real
// server sees it (RecordBatch::try_new_with_options with the message's row
// count, called by arrow-ipc's reader): NULLs in a column the batch's own
// schema declares non-nullable, then columns whose length differs from the
// batch's. Both fail while decoding, before any table check (flight.rs
// poll_next "Failed to decode RecordBatch"). The length check also keeps a
// corrupt row count from sizing allocations.
func checkDecoded(rec arrow.RecordBatch) error {
	const prefix = "Failed to decode RecordBatch: Invalid FlightData, reason: Invalid argument error: "
	for i, fl := range rec.Schema().Fields() {
		if !fl.Nullable && rec.Column(i).NullN() > 0 {
			return streamError(codes.InvalidArgument, prefix+"Column '"+fl.Name+"' is declared as non-nullable but contains null values")
		}
	}
	for _, col := range rec.Columns() {
		if int64(col.Len()) != rec.NumRows() {
			return streamError(codes.InvalidArgument, prefix+"all columns in a record batch must have the specified row count")
		}
	}
	return nil
}

// release frees the reader and the last message.
func (p *putStream) release() {
	p.reader.Release()
	p.msgs.Release()
}

// putRequestID reads DoPutMetadata.request_id; missing or unparsable metadata
// means 0 (flight.rs PutRecordBatchRequestStream::poll_next: .ok() and
// unwrap_or_default). request_id is required in the JSON: serde has no
// default for it.
func putRequestID(meta []byte) int64 {
	if len(meta) == 0 {
		return 0
	}
	var m struct {
		RequestID *int64 `json:"request_id"`
	}
	if json.Unmarshal(meta, &m) != nil || m.RequestID == nil {
		return 0
	}
	return *m.RequestID
}

// parseMessage decodes a FlightData's IPC header without trusting it:
// arrow-go reads the flatbuffer unchecked, so its sizes are verified first
// (flight_verify.go) and a panic on what remains is an error.
func parseMessage(fd *flight.FlightData, layout *ipcLayout) (msg *ipc.Message, err error) {
	if len(fd.DataHeader) < 8 {
		return nil, errors.New("Invalid FlightData, reason: message header is too short") //nolint:staticcheck // GreptimeDB's own text
	}
	if err := verifyMessage(fd.DataHeader, fd.DataBody, layout); err != nil {
		return nil, fmt.Errorf("Invalid FlightData, reason: %w", err) //nolint:staticcheck // GreptimeDB's own text
	}
	defer func() {
		if r := recover(); r != nil {
			msg, err = nil, fmt.Errorf("Invalid FlightData, reason: %v", r) //nolint:staticcheck // GreptimeDB's own text
		}
	}()
	msg = ipc.NewMessage(memory.NewBufferBytes(fd.DataHeader), memory.NewBufferBytes(fd.DataBody))
	_ = msg.Type()
	return msg, nil
}

// putMessages feeds FlightData from the stream to an ipc.Reader, keeping
// the app_metadata of the last record batch.
type putMessages struct {
	stream  flight.FlightService_DoPutServer
	first   *ipc.Message // the schema message, handed out first
	cur     *ipc.Message
	meta    []byte
	recvErr error
	// layout is what arrow-go reads per batch of the stream's schema;
	// layoutErr is set when the test server cannot count it.
	layout    ipcLayout
	layoutErr error
}

// Message returns the next IPC message. A second Schema is refused as
// PutRecordBatchRequestStream refuses any non-batch message after the
// schema.
func (m *putMessages) Message() (*ipc.Message, error) {
	if m.cur != nil {
		m.cur.Release()
		m.cur = nil
	}
	if m.first != nil {
		m.cur, m.first = m.first, nil
		return m.cur, nil
	}
	fd, err := m.stream.Recv()
	if err != nil {
		if !errors.Is(err, io.EOF) {
			m.recvErr = err
		}
		return nil, err
	}
	if m.layoutErr != nil {
		return nil, streamError(codes.InvalidArgument, "Failed to decode RecordBatch: Invalid FlightData, reason: "+m.layoutErr.Error())
	}
	msg, err := parseMessage(fd, &m.layout)
	if err != nil {
		return nil, streamError(codes.InvalidArgument, "Failed to decode RecordBatch: "+err.Error())
	}
	switch msg.Type() {
	case ipc.MessageRecordBatch:
		m.meta = fd.AppMetadata
	case ipc.MessageDictionaryBatch:
	default:
		msg.Release()
		return nil, streamError(codes.InvalidArgument, "Expected RecordBatch message, got other message type")
	}
	m.cur = msg
	return msg, nil
}

// Retain is part of ipc.MessageReader; messages here are not shared.
func (m *putMessages) Retain() {}

// Release frees the messages still held.
func (m *putMessages) Release() {
	if m.cur != nil {
		m.cur.Release()
		m.cur = nil
	}
	if m.first != nil {
		m.first.Release()
		m.first = nil
	}
}

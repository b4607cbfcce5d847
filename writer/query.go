package writer

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	gpb "github.com/GreptimeTeam/greptime-proto/go/greptime/v1"
	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/flight"
	"github.com/apache/arrow-go/v18/arrow/ipc"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/proto"
)

// QueryResult is GreptimeDB's answer to one query: the result's Arrow
// schema and record batches, or, for a statement that returns no rows,
// the affected rows. Records belong to the caller until Release.
type QueryResult struct {
	// Schema is the result's schema; nil when the statement returned
	// affected rows instead of a result set.
	Schema *arrow.Schema
	// Records are the result's batches in the order GreptimeDB sent them.
	Records []arrow.RecordBatch
	// AffectedRows is set (HasAffectedRows) for statements without a
	// result set (FlightMessage::AffectedRows, common/grpc/src/flight.rs).
	AffectedRows    uint64
	HasAffectedRows bool
}

// NumRows returns the number of rows over every record.
func (r *QueryResult) NumRows() int {
	n := 0
	for _, rec := range r.Records {
		n += int(rec.NumRows())
	}
	return n
}

// Release releases every record. The result must not be used afterwards.
func (r *QueryResult) Release() {
	for _, rec := range r.Records {
		rec.Release()
	}
	r.Records = nil
}

// QueryOption adjusts one Query or QueryRows call.
type QueryOption func(*queryOptions)

type queryOptions struct {
	call []InsertOption
	mem  memory.Allocator
}

// QueryDatabase runs the query in db instead of Config.Database (the
// RequestHeader's dbname, as for inserts).
func QueryDatabase(db string) QueryOption {
	return func(o *queryOptions) { o.call = append(o.call, WithDatabase(db)) }
}

// QueryTimezone sets the session timezone of the query.
func QueryTimezone(tz string) QueryOption {
	return func(o *queryOptions) { o.call = append(o.call, WithTimezone(tz)) }
}

// QueryAllocator allocates the result's decompressed buffers from mem
// (memory.DefaultAllocator otherwise); tests pass a checked allocator.
func QueryAllocator(mem memory.Allocator) QueryOption {
	return func(o *queryOptions) { o.mem = mem }
}

// Query runs one SQL query over Arrow Flight DoGet, as GreptimeDB's SDKs do:
// the ticket is an encoded GreptimeRequest carrying a QueryRequest with the
// same header (database, auth, timezone) as a row insert, and the answer is
// a stream of the schema and record batches, or one FlightMetadata message
// with the affected rows (servers/src/grpc/flight.rs do_get,
// to_flight_data_stream). The whole result is read into memory, so bound
// large queries with LIMIT.
//
// A query is read-only, so failed tries are retried under Config.Retry like
// inserts, and a transport failure moves to the next endpoint. Statements
// that change something belong in ExecSQL (Handle), which is never retried:
// Query is the path for reading, ExecSQL for writing DDL.
func (c *Client) Query(ctx context.Context, sql string, opts ...QueryOption) (*QueryResult, error) {
	if strings.TrimSpace(sql) == "" {
		return nil, &InvalidInputError{Reason: "empty sql query"}
	}
	var qo queryOptions
	for _, f := range opts {
		if f != nil {
			f(&qo)
		}
	}
	if qo.mem == nil {
		qo.mem = memory.DefaultAllocator
	}
	o := c.callOptions(qo.call)
	req := &gpb.GreptimeRequest{
		Header:  c.header(o),
		Request: &gpb.GreptimeRequest_Query{Query: &gpb.QueryRequest{Query: &gpb.QueryRequest_Sql{Sql: sql}}},
	}
	ticket, err := proto.Marshal(req)
	if err != nil {
		return nil, fmt.Errorf("writer: cannot encode query ticket: %w", err)
	}
	var res *QueryResult
	err = c.call(ctx, true, func(ctx context.Context, cc *grpc.ClientConn) error {
		r, err := doGet(ctx, cc, ticket, qo.mem)
		if err != nil {
			return err
		}
		res = r
		return nil
	})
	if err != nil {
		return nil, err
	}
	return res, nil
}

// doGet makes one DoGet call and reads its whole answer.
func doGet(ctx context.Context, cc *grpc.ClientConn, ticket []byte, mem memory.Allocator) (*QueryResult, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	stream, err := flight.NewFlightServiceClient(cc).DoGet(ctx, &flight.Ticket{Ticket: ticket})
	if err != nil {
		return nil, NewServerError(err, nil)
	}
	mr := &flightMessages{stream: stream}
	res := &QueryResult{}
	first, err := mr.Message()
	switch {
	case errors.Is(err, io.EOF):
		if !mr.affected.set {
			return nil, &ServerError{Code: codes.Internal, Message: "query answer has neither a schema nor affected rows"}
		}
		res.AffectedRows, res.HasAffectedRows = mr.affected.rows, true
		return res, nil
	case err != nil:
		return nil, err
	}
	mr.peeked = first
	rd, err := ipc.NewReaderFromMessageReader(mr, ipc.WithAllocator(mem))
	if err != nil {
		mr.Release()
		return nil, mr.failure(fmt.Errorf("writer: cannot read query result schema: %w", err))
	}
	defer rd.Release()
	res.Schema = rd.Schema()
	for rd.Next() {
		rec := rd.RecordBatch()
		rec.Retain()
		res.Records = append(res.Records, rec)
	}
	if err := rd.Err(); err != nil && !errors.Is(err, io.EOF) {
		res.Release()
		return nil, mr.failure(fmt.Errorf("writer: cannot read query result: %w", err))
	}
	if mr.err != nil {
		res.Release()
		return nil, mr.err
	}
	return res, nil
}

// flightMessages is an ipc.MessageReader over a DoGet stream. It consumes
// the messages GreptimeDB sends with a NONE header (FlightMetadata in
// app_metadata: affected rows or query metrics, common/grpc/src/flight.rs
// FlightEncoder::encode) and hands every other message on.
type flightMessages struct {
	stream   flight.FlightService_DoGetClient
	peeked   *ipc.Message
	affected struct {
		rows uint64
		set  bool
	}
	// err keeps the stream's own failure, which the IPC reader would
	// otherwise wrap beyond recognition.
	err error
}

func (m *flightMessages) Message() (msg *ipc.Message, err error) {
	if m.peeked != nil {
		msg, m.peeked = m.peeked, nil
		return msg, nil
	}
	for {
		fd, rerr := m.stream.Recv()
		if errors.Is(rerr, io.EOF) {
			return nil, io.EOF
		}
		if rerr != nil {
			m.err = NewServerError(rerr, m.stream.Trailer())
			return nil, m.err
		}
		msg, err := parseMessage(fd)
		if err != nil {
			m.err = err
			return nil, err
		}
		if msg.Type() != ipc.MessageNone {
			return msg, nil
		}
		msg.Release()
		var md gpb.FlightMetadata
		if err := proto.Unmarshal(fd.AppMetadata, &md); err != nil {
			m.err = &ServerError{Code: codes.Internal, Message: "cannot decode query metadata: " + err.Error()}
			return nil, m.err
		}
		if ar := md.GetAffectedRows(); ar != nil {
			m.affected.rows, m.affected.set = uint64(ar.GetValue()), true
		}
	}
}

// parseMessage wraps one FlightData as an IPC message; a header that is not
// a flatbuffer Message is an error, not a panic.
func parseMessage(fd *flight.FlightData) (msg *ipc.Message, err error) {
	defer func() {
		if r := recover(); r != nil {
			msg, err = nil, &ServerError{Code: codes.Internal, Message: fmt.Sprintf("malformed query answer message: %v", r)}
		}
	}()
	if len(fd.DataHeader) == 0 {
		return nil, &ServerError{Code: codes.Internal, Message: "query answer message without a header"}
	}
	msg = ipc.NewMessage(memory.NewBufferBytes(fd.DataHeader), memory.NewBufferBytes(fd.DataBody))
	_ = msg.Type()
	return msg, nil
}

// failure prefers the stream's own error to the reader's wrapped one.
func (m *flightMessages) failure(err error) error {
	if m.err != nil {
		return m.err
	}
	return err
}

// Release releases a message peeked and never read.
func (m *flightMessages) Release() {
	if m.peeked != nil {
		m.peeked.Release()
		m.peeked = nil
	}
}

// Retain is a no-op: the reader owns the only reference.
func (m *flightMessages) Retain() {}

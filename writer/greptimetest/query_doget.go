package greptimetest

import (
	"strings"

	gpb "github.com/GreptimeTeam/greptime-proto/go/greptime/v1"
	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/flight"
	"github.com/apache/arrow-go/v18/arrow/ipc"
	"github.com/apache/arrow-go/v18/arrow/memory"
	flatbuffers "github.com/google/flatbuffers/go"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"

	"github.com/greptime-bridge/greptime-bridge/writer/table"
)

// resultSet is a query's answer before it is encoded: the columns with the
// names and types GreptimeDB gives them, and the rows.
type resultSet struct {
	cols []ColumnInfo
	rows [][]table.Value
}

// DoGet serves one query as GreptimeDB's do_get does
// (servers/src/grpc/flight.rs): the ticket is an encoded GreptimeRequest
// (a ticket that does not decode is InvalidFlightTicket, InvalidArguments),
// hints come from the call's metadata, and the request goes through the
// same handling as Handle (header database, authentication). A result set
// is sent as its schema then its record batches, LZ4-compressed as
// FlightEncoder::default does (common/grpc/src/flight.rs); a statement
// without one is one FlightData with a NONE header and FlightMetadata
// {affected_rows} (to_flight_data_stream).
func (f *flightService) DoGet(t *flight.Ticket, stream flight.FlightService_DoGetServer) error {
	ctx := stream.Context()
	if err := f.s.beginCall(ctx, "DoGet"); err != nil {
		return err
	}
	var req gpb.GreptimeRequest
	if err := proto.Unmarshal(t.GetTicket(), &req); err != nil {
		// servers/src/error.rs InvalidFlightTicket.
		return toStatus(ctx, newErr(StatusInvalidArguments, "Invalid Flight ticket"))
	}
	md, _ := metadata.FromIncomingContext(ctx)
	h := extractHints(md)
	if err := f.s.checkRequest(req.GetHeader(), req.GetRequest() != nil, h); err != nil {
		return toStatus(ctx, err)
	}
	k := headerDB(req.GetHeader())
	var rs *resultSet
	var affected uint32
	var err error
	if q, ok := req.GetRequest().(*gpb.GreptimeRequest_Query); ok {
		rs, affected, err = f.s.runQuery(k, h, q.Query)
	} else {
		affected, err = f.s.handleRequest(&req, h)
	}
	if err != nil {
		return toStatus(ctx, err)
	}
	if rs == nil {
		meta, _ := proto.Marshal(&gpb.FlightMetadata{AffectedRows: &gpb.AffectedRows{Value: affected}})
		return stream.Send(&flight.FlightData{DataHeader: noneHeader, AppMetadata: meta})
	}
	return f.sendResult(stream, rs)
}

// noneHeader is an IPC Message flatbuffer with a NONE header, as
// build_none_flight_msg writes it (common/grpc/src/flight.rs): version V5,
// no header, no body.
var noneHeader = func() []byte {
	// Message table (format/Message.fbs): version (short, slot 0) = V5
	// (4); header_type (slot 1) NONE and bodyLength (slot 3) 0 are the
	// defaults, which flatbuffers leaves out.
	b := flatbuffers.NewBuilder(32)
	b.StartObject(5)
	b.PrependInt16Slot(0, 4, 0)
	b.Finish(b.EndObject())
	return b.FinishedBytes()
}()

// sendResult encodes rs as Arrow IPC over the stream.
func (f *flightService) sendResult(stream flight.FlightService_DoGetServer, rs *resultSet) error {
	fields := make([]arrow.Field, len(rs.cols))
	for i, c := range rs.cols {
		fields[i] = arrow.Field{Name: c.Name, Type: arrowTypeOf(c), Nullable: c.Nullable}
	}
	schema := arrow.NewSchema(fields, nil)
	w := flight.NewRecordWriter(stream, ipc.WithSchema(schema), ipc.WithAllocator(f.mem), ipc.WithLZ4())
	defer w.Close()
	// An empty result is still a schema; a batch is sent only with rows,
	// as a DataFusion stream over no rows yields none.
	const batchRows = 4096
	for lo := 0; lo < len(rs.rows); lo += batchRows {
		hi := min(lo+batchRows, len(rs.rows))
		rec, err := buildRecord(f.mem, schema, rs.cols, rs.rows[lo:hi])
		if err != nil {
			return status.Error(codes.Internal, err.Error())
		}
		err = w.Write(rec)
		rec.Release()
		if err != nil {
			return err
		}
	}
	// With no record, Close writes the schema alone.
	return nil
}

// buildRecord builds one Arrow record of rows.
func buildRecord(mem memory.Allocator, schema *arrow.Schema, cols []ColumnInfo, rows [][]table.Value) (arrow.RecordBatch, error) {
	bld := array.NewRecordBuilder(mem, schema)
	defer bld.Release()
	for j, c := range cols {
		fb := bld.Field(j)
		for _, r := range rows {
			var v table.Value
			if j < len(r) {
				v = r[j]
			}
			appendArrowValue(fb, c, v)
		}
	}
	return bld.NewRecordBatch(), nil
}

// appendArrowValue appends v to an Arrow builder of c's type. Stored values
// always have their column's type (storage checks it), so each case reads v
// as that type; an Arrow type without a case here is answered as NULL.
func appendArrowValue(b array.Builder, c ColumnInfo, v table.Value) {
	if v.IsNull() {
		b.AppendNull()
		return
	}
	switch b := b.(type) {
	case *array.BooleanBuilder:
		x, _ := v.AsBool()
		b.Append(x)
	case *array.Int8Builder:
		x, _ := v.AsInt64()
		b.Append(int8(x))
	case *array.Int16Builder:
		x, _ := v.AsInt64()
		b.Append(int16(x))
	case *array.Int32Builder:
		x, _ := v.AsInt64()
		b.Append(int32(x))
	case *array.Int64Builder:
		x, _ := v.AsInt64()
		b.Append(x)
	case *array.Uint8Builder:
		x, _ := v.AsUint64()
		b.Append(uint8(x))
	case *array.Uint16Builder:
		x, _ := v.AsUint64()
		b.Append(uint16(x))
	case *array.Uint32Builder:
		x, _ := v.AsUint64()
		b.Append(uint32(x))
	case *array.Uint64Builder:
		x, _ := v.AsUint64()
		b.Append(x)
	case *array.Float32Builder:
		x, _ := v.AsFloat64()
		b.Append(float32(x))
	case *array.Float64Builder:
		x, _ := v.AsFloat64()
		b.Append(x)
	case *array.StringBuilder:
		x, _ := v.AsString()
		b.Append(x)
	case *array.BinaryBuilder:
		if x, ok := v.AsBytes(); ok {
			b.Append(x)
		} else {
			s, _ := v.AsString()
			b.Append([]byte(s))
		}
	case *array.Date32Builder:
		x, _ := v.AsInt64()
		b.Append(arrow.Date32(x))
	case *array.TimestampBuilder:
		x, _ := v.AsInt64()
		b.Append(arrow.Timestamp(x))
	case *array.Time32Builder:
		x, _ := v.AsInt64()
		b.Append(arrow.Time32(x))
	case *array.Time64Builder:
		x, _ := v.AsInt64()
		b.Append(arrow.Time64(x))
	default:
		b.AppendNull()
	}
}

// isSystemSchema reports whether a schema name is information_schema
// (case-insensitive, as GreptimeDB resolves system schemas).
func isSystemSchema(name string) bool {
	return strings.EqualFold(name, "information_schema")
}

package writer

import (
	"context"
	"fmt"

	gpb "github.com/GreptimeTeam/greptime-proto/go/greptime/v1"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
)

// Insert sends a row insert built by the caller through
// GreptimeDatabase/Handle and returns the affected rows, like the Rust
// ingester's Database::insert. The request is validated first (row width,
// value variants, time index); hints come from WithHints. Failed tries are
// retried under Config.Retry when IsRetryable says so.
func (c *Client) Insert(ctx context.Context, req *gpb.RowInsertRequests, opts ...InsertOption) (uint32, error) {
	if err := validateRequests(req); err != nil {
		return 0, err
	}
	o := c.callOptions(opts)
	hints, err := encodeHints(req.GetInserts()[0].GetTableName(), o.hints)
	if err != nil {
		return 0, err
	}
	return c.handle(ctx, o, hints, &gpb.GreptimeRequest_RowInserts{RowInserts: req}, true)
}

// header is the RequestHeader of a Handle call. On Handle, GreptimeDB reads
// database, auth and timezone from here and ignores the x-greptime-db-name
// and auth metadata (greptimedb-protocol.md §7.9,
// servers/src/grpc/greptime_handler.rs create_query_context).
func (c *Client) header(o callOptions) *gpb.RequestHeader {
	return &gpb.RequestHeader{Dbname: o.database, Authorization: c.authHeader(), Timezone: o.timezone}
}

// handleMethod is GreptimeDatabase/Handle (greptime-proto database.proto,
// database_grpc.pb.go).
const handleMethod = "/greptime.v1.GreptimeDatabase/Handle"

// handle performs one Handle call with failover (and retries when retry).
func (c *Client) handle(ctx context.Context, o callOptions, hints string, body any, retry bool) (uint32, error) {
	req := &gpb.GreptimeRequest{Header: c.header(o)}
	switch b := body.(type) {
	case *gpb.GreptimeRequest_RowInserts:
		req.Request = b
	case *gpb.GreptimeRequest_Query:
		req.Request = b
	default:
		return 0, fmt.Errorf("writer: unsupported request body %T", body)
	}
	return c.invokeHandle(ctx, hints, req, retry)
}

// invokeHandle sends msg, a *gpb.GreptimeRequest or an *encodedRequest,
// through Handle. Every try sends the same message: an encodedRequest's
// buffer is shared, never re-encoded.
func (c *Client) invokeHandle(ctx context.Context, hints string, msg any, retry bool) (uint32, error) {
	if hints != "" {
		ctx = metadata.AppendToOutgoingContext(ctx, HeaderHints, hints)
	}
	var affected uint32
	err := c.call(ctx, retry, func(ctx context.Context, cc *grpc.ClientConn) error {
		var trailer metadata.MD
		resp := new(gpb.GreptimeResponse)
		err := cc.Invoke(ctx, handleMethod, msg, resp, grpc.Trailer(&trailer), c.codec.callOption())
		if err != nil {
			return NewServerError(err, trailer)
		}
		if err := responseError(resp.GetHeader()); err != nil {
			return err
		}
		affected = resp.GetAffectedRows().GetValue()
		return nil
	})
	return affected, err
}

// responseError turns a non-zero status in a response header into a
// ServerError. GreptimeDB reports failures as gRPC statuses, so this only
// guards against a server that answers OK with an error inside.
func responseError(h *gpb.ResponseHeader) error {
	st := h.GetStatus()
	if st == nil || st.GetStatusCode() == uint32(StatusSuccess) {
		return nil
	}
	return &ServerError{Code: codes.Unknown, Message: st.GetErrMsg(), Status: StatusCode(st.GetStatusCode()), HasStatus: true}
}

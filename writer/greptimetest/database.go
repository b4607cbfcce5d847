package greptimetest

import (
	"context"
	"errors"
	"io"

	gpb "github.com/GreptimeTeam/greptime-proto/go/greptime/v1"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
)

// databaseService is GreptimeDatabase (servers/src/grpc/database.rs).
type databaseService struct {
	gpb.UnimplementedGreptimeDatabaseServer
	s *Server
}

// Handle serves one request. Hints come from the call's metadata; the
// database, auth and timezone come from the RequestHeader only (§7.9).
func (d *databaseService) Handle(ctx context.Context, req *gpb.GreptimeRequest) (*gpb.GreptimeResponse, error) {
	return d.handle(ctx, func(h hints) (uint32, error) { return d.s.handleRequest(req, h) })
}

// handle is Handle for a decoded request of either mode: serve runs it
// with the call's hints.
func (d *databaseService) handle(ctx context.Context, serve func(hints) (uint32, error)) (*gpb.GreptimeResponse, error) {
	if err := d.s.beginCall(ctx, "Handle"); err != nil {
		return nil, err
	}
	md, _ := metadata.FromIncomingContext(ctx)
	n, err := serve(extractHints(md))
	if err != nil {
		return nil, toStatus(ctx, err)
	}
	return affectedRows(n), nil
}

// HandleRequests serves a client stream: hints are read once from the
// stream's metadata, each request carries its own header, affected rows
// are summed and answered once after the client half-closes, and the
// first error ends the call (servers/src/grpc/database.rs handle_requests).
func (d *databaseService) HandleRequests(stream gpb.GreptimeDatabase_HandleRequestsServer) error {
	return d.handleStream(stream, func() (func(hints) (uint32, error), error) {
		req, err := stream.Recv()
		if err != nil {
			return nil, err
		}
		return func(h hints) (uint32, error) { return d.s.handleRequest(req, h) }, nil
	})
}

// handleStream is HandleRequests for either mode: next receives the next
// request and returns what serves it.
func (d *databaseService) handleStream(stream grpc.ServerStream, next func() (func(hints) (uint32, error), error)) error {
	ctx := stream.Context()
	if err := d.s.beginCall(ctx, "HandleRequests"); err != nil {
		return err
	}
	md, _ := metadata.FromIncomingContext(ctx)
	h := extractHints(md)
	var total uint32
	for {
		serve, err := next()
		if errors.Is(err, io.EOF) {
			return stream.SendMsg(affectedRows(total))
		}
		if err != nil {
			return err
		}
		n, err := serve(h)
		if err != nil {
			return toStatus(ctx, err)
		}
		total += n
	}
}

func affectedRows(n uint32) *gpb.GreptimeResponse {
	return &gpb.GreptimeResponse{
		Header:   &gpb.ResponseHeader{Status: &gpb.Status{StatusCode: uint32(StatusSuccess)}},
		Response: &gpb.GreptimeResponse_AffectedRows{AffectedRows: &gpb.AffectedRows{Value: n}},
	}
}

// handleRequest is GreptimeRequestHandler::handle_request
// (servers/src/grpc/greptime_handler.rs): build the query context from the
// header (database; read_preference hint; the timezone falls back to the
// default when it does not parse, so it is not checked), refuse an empty
// request (InvalidQuery), authenticate, then dispatch.
func (s *Server) handleRequest(req *gpb.GreptimeRequest, h hints) (uint32, error) {
	if err := s.checkRequest(req.GetHeader(), req.GetRequest() != nil, h); err != nil {
		return 0, err
	}
	k := headerDB(req.GetHeader())
	switch r := req.GetRequest().(type) {
	case *gpb.GreptimeRequest_RowInserts:
		return s.rowInserts(k, h, r.RowInserts)
	case *gpb.GreptimeRequest_Query:
		return s.query(k, h, r.Query)
	}
	return 0, status.Errorf(codes.Unimplemented, "greptimetest: %T is not implemented by the test server", req.GetRequest())
}

// checkRequest is the part of handle_request before dispatch: the
// read_preference hint, a non-empty request, then authentication.
func (s *Server) checkRequest(hd *gpb.RequestHeader, nonEmpty bool, h hints) error {
	if err := h.checkReadPreference(); err != nil {
		return err
	}
	if !nonEmpty {
		return newErr(StatusInvalidArguments, "Invalid query: Expecting non-empty GreptimeRequest.")
	}
	return s.authHeader(hd.GetAuthorization())
}

// headerDB is create_query_context's database choice
// (servers/src/grpc/greptime_handler.rs): dbname split on its first '-'
// when set, otherwise catalog and schema lowercased with defaults.
func headerDB(hd *gpb.RequestHeader) dbKey {
	if hd.GetDbname() != "" {
		return parseDB(hd.GetDbname())
	}
	k := dbKey{defaultCatalog, defaultSchema}
	if c := hd.GetCatalog(); c != "" {
		k.catalog = lower(c)
	}
	if sc := hd.GetSchema(); sc != "" {
		k.schema = lower(sc)
	}
	return k
}

// healthService is HealthCheck: an empty answer while serving.
type healthService struct {
	gpb.UnimplementedHealthCheckServer
	s *Server
}

// HealthCheck answers an empty response.
func (h *healthService) HealthCheck(ctx context.Context, _ *gpb.HealthCheckRequest) (*gpb.HealthCheckResponse, error) {
	if err := h.s.beginCall(ctx, "HealthCheck"); err != nil {
		return nil, err
	}
	return &gpb.HealthCheckResponse{}, nil
}

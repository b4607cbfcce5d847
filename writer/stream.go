package writer

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync"

	gpb "github.com/GreptimeTeam/greptime-proto/go/greptime/v1"
	"google.golang.org/grpc/metadata"

	"github.com/greptime-bridge/greptime-bridge/writer/table"
)

// StreamInserter sends many small row inserts on one
// GreptimeDatabase/HandleRequests client stream. GreptimeDB reads the hints
// once, from the stream's metadata, processes each request as it arrives,
// sums the affected rows and answers once after CloseAndRecv half-closes
// the stream; the first failure ends the stream with its status
// (servers/src/grpc/database.rs). It is safe for concurrent use.
type StreamInserter struct {
	c      *Client
	opts   callOptions
	hints  string
	stream gpb.GreptimeDatabase_HandleRequestsClient
	cancel context.CancelFunc

	mu   sync.Mutex
	done bool
	err  error // the stream's final error once done
}

// NewStreamInserter opens a stream on the active endpoint (moving to the
// next one if the transport proves it unreachable). WithHints sets the
// stream's hints; WithDatabase and WithTimezone the default header of its
// requests. The stream lives until CloseAndRecv or until ctx ends;
// Config.RequestTimeout does not bound it. Always call CloseAndRecv (or end
// ctx): an abandoned stream holds its gRPC resources until then. Requests
// on a stream are not retried and do not fail over: after an error, open a
// new stream and write the batches again.
func (c *Client) NewStreamInserter(ctx context.Context, opts ...InsertOption) (*StreamInserter, error) {
	if c.isClosed() {
		return nil, ErrClosed
	}
	o := c.callOptions(opts)
	hints, err := encodeHints("", o.hints)
	if err != nil {
		return nil, err
	}
	if hints != "" {
		ctx = metadata.AppendToOutgoingContext(ctx, HeaderHints, hints)
	}
	sctx, cancel := context.WithCancel(ctx)
	open := func() (gpb.GreptimeDatabase_HandleRequestsClient, error) {
		cc, i := c.conn()
		st, err := gpb.NewGreptimeDatabaseClient(cc).HandleRequests(sctx, c.codec.callOption())
		if err != nil {
			err = NewServerError(err, nil)
			if transportFailure(err) {
				c.failover(i)
			}
		}
		return st, err
	}
	st, err := open()
	if err != nil && transportFailure(err) {
		// Opening sends no data, so trying the next endpoint is safe.
		st, err = open()
	}
	if err != nil {
		cancel()
		return nil, fmt.Errorf("cannot open insert stream: %w", err)
	}
	return &StreamInserter{c: c, opts: o, hints: hints, stream: st, cancel: cancel}, nil
}

// Write validates and sends batches as one request per database. Batches
// whose Hints differ from the stream's are refused: GreptimeDB reads hints
// once per stream. A nil error means the requests were sent, not that they
// were applied: CloseAndRecv reports the outcome.
func (s *StreamInserter) Write(batches ...*table.Batch) error {
	if len(batches) == 0 {
		return &InvalidInputError{Reason: "no batches to write"}
	}
	for _, b := range batches {
		if b != nil && len(b.Hints) > 0 && b.Hints.Key() != s.hints {
			return &InvalidInputError{Table: b.Table, Reason: fmt.Sprintf("batch hints %q differ from the stream's hints %q", b.Hints.Key(), s.hints)}
		}
	}
	groups, err := groupBatchesIgnoringHints(s.opts.database, batches)
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.done {
		return s.endedErr()
	}
	for _, g := range groups {
		if err := s.c.ensureCreated(s.stream.Context(), g); err != nil {
			return err
		}
		o := s.opts
		o.database = g.database
		req, err := s.c.encode(o, g)
		if err != nil {
			return err
		}
		err = s.send(req)
		// gRPC holds its own reference for as long as it needs the bytes.
		req.release()
		if err != nil {
			return err
		}
	}
	return nil
}

// send sends one request, a *gpb.GreptimeRequest or an *encodedRequest;
// the caller holds s.mu. A failed send ends the
// stream: io.EOF means the server ended it and the real error is the status
// CloseAndRecv returns; any other error is the client's own (message too
// large, context ended).
func (s *StreamInserter) send(req any) error {
	err := s.stream.SendMsg(req)
	if err == nil {
		return nil
	}
	_, ferr := s.finish()
	if !errors.Is(err, io.EOF) {
		s.err = NewServerError(err, nil)
		return s.err
	}
	if ferr != nil {
		return ferr
	}
	return s.endedErr()
}

// Insert sends a row insert built by the caller on the stream, like the
// Rust ingester's StreamInserter::row_insert; it is validated as Client.Insert
// validates. The request may be reused once Insert returns.
func (s *StreamInserter) Insert(req *gpb.RowInsertRequests) error {
	if err := validateRequests(req); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.done {
		return s.endedErr()
	}
	return s.send(&gpb.GreptimeRequest{Header: s.c.header(s.opts), Request: &gpb.GreptimeRequest_RowInserts{RowInserts: req}})
}

// CloseAndRecv half-closes the stream and returns the rows GreptimeDB
// inserted over the whole stream, or the error that ended it.
func (s *StreamInserter) CloseAndRecv() (uint32, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.done {
		return 0, s.endedErr()
	}
	return s.finish()
}

func (s *StreamInserter) finish() (uint32, error) {
	s.done = true
	defer s.cancel()
	resp, err := s.stream.CloseAndRecv()
	if err != nil {
		s.err = NewServerError(err, s.stream.Trailer())
		return 0, s.err
	}
	if err := responseError(resp.GetHeader()); err != nil {
		s.err = err
		return 0, err
	}
	return resp.GetAffectedRows().GetValue(), nil
}

func (s *StreamInserter) endedErr() error {
	if s.err != nil {
		return fmt.Errorf("insert stream already ended: %w", s.err)
	}
	return errors.New("insert stream already closed")
}

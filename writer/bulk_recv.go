package writer

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// doPutResponse is the JSON app_metadata of a PutResult
// (common/grpc/src/flight/do_put.rs DoPutResponse).
type doPutResponse struct {
	RequestID    int64   `json:"request_id"`
	AffectedRows int64   `json:"affected_rows"`
	ElapsedSecs  float64 `json:"elapsed_secs"`
}

// parseBulkResponse decodes a PutResult's app_metadata.
func parseBulkResponse(meta []byte) (BulkResponse, error) {
	var r doPutResponse
	if err := json.Unmarshal(meta, &r); err != nil {
		return BulkResponse{}, fmt.Errorf("cannot decode bulk response metadata %q: %w", truncateForError(meta), err)
	}
	el := time.Duration(0)
	if r.ElapsedSecs > 0 && r.ElapsedSecs < math.MaxInt64/float64(time.Second) {
		el = time.Duration(r.ElapsedSecs * float64(time.Second))
	}
	return BulkResponse{RequestID: r.RequestID, AffectedRows: r.AffectedRows, Elapsed: el}, nil
}

func truncateForError(b []byte) string {
	if len(b) > 64 {
		return string(b[:64]) + "…"
	}
	return string(b)
}

// receive reads responses until the stream ends: the id-0 acknowledgement
// opens the gate for the first batch, every other response completes its
// request and frees its in-flight slot. GreptimeDB answers in submission
// order (it handles a stream's batches one by one), but matching is by id.
func (w *BulkStreamWriter) receive() {
	defer close(w.recvDone)
	acked := false
	for {
		pr, err := w.stream.Recv()
		if err != nil {
			w.streamEnded(err)
			return
		}
		resp, err := parseBulkResponse(pr.GetAppMetadata())
		if err != nil {
			w.abort(err)
			continue
		}
		if !acked {
			// Any response implies the server took the schema.
			acked = true
			close(w.ack)
		}
		if resp.RequestID == 0 {
			continue
		}
		w.mu.Lock()
		req, ok := w.reqs[resp.RequestID]
		if ok && w.markAcked(resp.RequestID) {
			req.resp = resp
			close(req.done)
			<-w.slots
			if w.unreturned++; w.unreturned >= 2*maxUnreturned {
				w.unreturned -= pruneReturned(w.reqs, resp.RequestID, maxUnreturned)
			}
		}
		w.mu.Unlock()
	}
}

// streamEnded fails every pending id. A stream can end OK with ids pending:
// GreptimeDB drops responses, and even the final error, when 32 are queued
// (§7.5), so a missing response means not written. The caller learns which
// ids were acknowledged before the end.
func (w *BulkStreamWriter) streamEnded(err error) {
	var cause error
	w.mu.Lock()
	switch {
	case w.abortCause != nil:
		cause = w.abortCause
	case errors.Is(err, io.EOF):
		cause = nil
	default:
		cause = NewServerError(err, w.stream.Trailer())
	}
	w.ended, w.endCause = true, cause
	ids := w.pendingIDs()
	if len(ids) > 0 {
		fail := &StreamEndedError{Table: w.table, Pending: ids, Acked: w.ackedIDs(), Cause: cause}
		for _, id := range ids {
			req := w.reqs[id]
			delete(w.pending, id)
			req.err = fail
			close(req.done)
			<-w.slots
		}
	}
	w.mu.Unlock()
	if bulkUnavailable(cause) {
		// The next stream (and the next insert) goes to the next endpoint.
		w.bi.c.failover(w.connIdx)
	}
	w.cancel()
}

// bulkUnavailable reports whether err says the endpoint is unreachable.
func bulkUnavailable(err error) bool {
	if err == nil {
		return false
	}
	var se *ServerError
	if errors.As(err, &se) {
		// GreptimeDB's own Unavailable answers (RegionNotReady,
		// StorageUnavailable, …) carry its error trailer: the endpoint is
		// up, so no failover.
		return transportFailure(err)
	}
	if st, ok := status.FromError(err); ok {
		return st.Code() == codes.Unavailable
	}
	return false
}

package writer

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"time"
)

// errBulkClosed is the cause given to ids still pending when Close abandons
// a stream.
var errBulkClosed = errors.New("bulk stream closed by the client")

// Wait waits for the outcome of request id: its response, the error that
// ended the stream (StreamEndedError), or a TimeoutError once the request
// has waited longer than the stream's timeout since it was sent. A timed-out
// request stays pending and can be waited for again. Once returned, an
// outcome is forgotten: waiting twice for one id is an error.
func (w *BulkStreamWriter) Wait(ctx context.Context, id int64) (BulkResponse, error) {
	w.mu.Lock()
	req, ok := w.reqs[id]
	w.mu.Unlock()
	if !ok {
		return BulkResponse{}, fmt.Errorf("bulk stream for table %q has no request %d: never sent, or its outcome was already returned", w.table, id)
	}
	if err := w.await(ctx, req); err != nil {
		return BulkResponse{}, err
	}
	w.mu.Lock()
	_, still := w.reqs[id]
	if still && req.err == nil {
		w.unreturned--
	}
	delete(w.reqs, id)
	w.mu.Unlock()
	if !still && req.err == nil {
		// Another Wait, Collect or FinishWithResponses returned this
		// response first; returning it again would count its rows twice.
		return BulkResponse{}, fmt.Errorf("bulk stream for table %q: the outcome of request %d was already returned", w.table, id)
	}
	return req.resp, req.err
}

// await blocks until req is done; it returns only the reason it stopped
// waiting early (ctx or timeout), not req's own outcome.
func (w *BulkStreamWriter) await(ctx context.Context, req *bulkRequest) error {
	select {
	case <-req.done:
		return nil
	default:
	}
	t := time.NewTimer(time.Until(req.sent.Add(w.opts.timeout)))
	defer t.Stop()
	select {
	case <-req.done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return &TimeoutError{Table: w.table, IDs: []int64{req.id}}
	}
}

// WaitAll waits for every request sent so far. It returns nil when all were
// acknowledged, a TimeoutError listing every id still unanswered when one of
// them exceeds the timeout, or the first failure (a StreamEndedError naming
// all the ids the stream failed). Responses stay available to Collect.
func (w *BulkStreamWriter) WaitAll(ctx context.Context) error {
	w.mu.Lock()
	reqs := make([]*bulkRequest, 0, len(w.reqs))
	for _, r := range w.reqs {
		reqs = append(reqs, r)
	}
	w.mu.Unlock()
	slices.SortFunc(reqs, func(a, b *bulkRequest) int { return cmp.Compare(a.id, b.id) })
	for _, r := range reqs {
		err := w.await(ctx, r)
		var te *TimeoutError
		if errors.As(err, &te) {
			te.IDs = te.IDs[:0]
			for _, x := range reqs {
				select {
				case <-x.done:
				default:
					te.IDs = append(te.IDs, x.id)
				}
			}
		}
		if err != nil {
			return err
		}
	}
	var first error
	w.mu.Lock()
	for _, r := range reqs {
		if r.err != nil {
			if first == nil {
				first = r.err
			}
			delete(w.reqs, r.id) // reported here, not kept for Collect
		}
	}
	w.mu.Unlock()
	return first
}

// Collect returns, in id order, the responses of acknowledged requests whose
// outcome was not yet returned, and forgets them. A long-running caller that
// writes with WriteAsync and never Waits should Collect now and then: the
// writer keeps unreturned responses until then, up to a bound past which
// the oldest are dropped.
func (w *BulkStreamWriter) Collect() []BulkResponse {
	w.mu.Lock()
	defer w.mu.Unlock()
	var out []BulkResponse
	for id, r := range w.reqs {
		select {
		case <-r.done:
			if r.err == nil {
				out = append(out, r.resp)
				delete(w.reqs, id)
				w.unreturned--
			}
		default:
		}
	}
	slices.SortFunc(out, func(a, b BulkResponse) int { return cmp.Compare(a.RequestID, b.RequestID) })
	return out
}

// Finish waits for every pending request, half-closes the stream and waits
// for the server to end it. It returns the first failure, as WaitAll does.
func (w *BulkStreamWriter) Finish(ctx context.Context) error {
	_, err := w.FinishWithResponses(ctx)
	return err
}

// FinishWithResponses is Finish returning, in id order, every response not
// yet returned by Wait or Collect (also when it returns an error).
func (w *BulkStreamWriter) FinishWithResponses(ctx context.Context) ([]BulkResponse, error) {
	w.sendMu.Lock() // no write in progress from here on
	w.mu.Lock()
	if w.finishing {
		w.mu.Unlock()
		w.sendMu.Unlock()
		return nil, fmt.Errorf("bulk stream for table %q is already finished", w.table)
	}
	w.finishing = true
	w.mu.Unlock()
	started := w.started
	w.sendMu.Unlock()

	if !started {
		// Nothing was sent: there is no schema to close, just end the call.
		w.abort(errBulkClosed)
		<-w.recvDone
		return nil, nil
	}
	if err := w.WaitAll(ctx); err != nil {
		w.abort(err)
		<-w.recvDone
		return w.Collect(), err
	}
	w.sendMu.Lock()
	_ = w.fw.Close() // releases the IPC writer; Flight sends nothing on close
	cerr := w.stream.CloseSend()
	w.sendMu.Unlock()
	select {
	case <-w.recvDone:
	case <-ctx.Done():
		w.abort(ctx.Err())
		<-w.recvDone
	}
	resps := w.Collect()
	w.mu.Lock()
	cause := w.endCause
	w.mu.Unlock()
	if cause != nil {
		return resps, fmt.Errorf("bulk stream for table %q ended with an error: %w", w.table, cause)
	}
	if cerr != nil {
		return resps, fmt.Errorf("cannot close bulk stream for table %q: %w", w.table, cerr)
	}
	return resps, nil
}

// Close abandons the stream without waiting: every pending id fails with a
// StreamEndedError. It is safe to call after Finish, and more than once.
func (w *BulkStreamWriter) Close() error {
	w.mu.Lock()
	w.finishing = true
	w.mu.Unlock()
	w.abort(errBulkClosed)
	<-w.recvDone
	return nil
}

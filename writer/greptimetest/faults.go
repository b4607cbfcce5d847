package greptimetest

import (
	"context"
	"slices"
	"strconv"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
)

// Fault is an injected failure: the call fails with gRPC code Code and
// message Message; a non-zero Status is sent as the x-greptime-err-code
// trailer with the retry hint from Retryable.
type Fault struct {
	// Method is "Handle", "HandleRequests", "DoPut", "DoGet", or "" for any.
	Method    string
	Code      codes.Code
	Status    uint32
	Retryable bool
	Message   string
	// Table, when set, limits the fault to writes into that table: a row
	// insert that names it (the whole request fails, as GreptimeDB fails
	// a row insert when one of its region writes fails) or a DoPut stream
	// whose descriptor names it (failing at its first batch, where
	// GreptimeDB resolves the table and writes its region). Such a fault
	// is raised as GreptimeDB raises a region's error: the gRPC code
	// follows from Status (define_into_tonic_status! in
	// common/error/src/status_code.rs) and Code is not used, so Status
	// must be set. A row insert checks table faults before writing any of
	// its tables.
	Table string
}

type pendingFault struct {
	f Fault
	n int
}

// FailNext makes the next n calls matching f.Method fail with f.
func (s *Server) FailNext(n int, f Fault) {
	if n <= 0 {
		return
	}
	s.fmu.Lock()
	defer s.fmu.Unlock()
	s.faults = append(s.faults, pendingFault{f: f, n: n})
}

// ClearFaults drops every pending FailNext fault.
func (s *Server) ClearFaults() {
	s.fmu.Lock()
	defer s.fmu.Unlock()
	s.faults = nil
}

// SetLatency adds d to every call (and every DoPut batch).
func (s *Server) SetLatency(d time.Duration) {
	s.fmu.Lock()
	defer s.fmu.Unlock()
	s.latency = d
}

// BreakStreamAfter makes the next DoPut stream fail after k batches.
func (s *Server) BreakStreamAfter(k int) {
	s.fmu.Lock()
	defer s.fmu.Unlock()
	s.streamBreak = k
}

// Calls returns the number of calls per method ("Handle",
// "HandleRequests", "HealthCheck", "DoPut", "DoGet").
func (s *Server) Calls() map[string]int {
	s.fmu.Lock()
	defer s.fmu.Unlock()
	out := make(map[string]int, len(s.calls))
	for k, v := range s.calls {
		out[k] = v
	}
	return out
}

// LastHeaders returns the request metadata of the last call of method.
func (s *Server) LastHeaders(method string) metadata.MD {
	s.fmu.Lock()
	defer s.fmu.Unlock()
	return s.headers[method].Copy()
}

// callLatency returns the injected latency.
func (s *Server) callLatency() time.Duration {
	s.fmu.Lock()
	defer s.fmu.Unlock()
	return s.latency
}

// takeStreamBreak consumes a BreakStreamAfter setting.
func (s *Server) takeStreamBreak() (int, bool) {
	s.fmu.Lock()
	defer s.fmu.Unlock()
	k := s.streamBreak
	s.streamBreak = -1
	return k, k >= 0
}

// beginCall records a call of method, waits the injected latency and
// returns the injected fault, if any, as a status error with its trailers
// set on ctx's call.
func (s *Server) beginCall(ctx context.Context, method string) error {
	md, _ := metadata.FromIncomingContext(ctx)
	s.fmu.Lock()
	s.calls[method]++
	s.headers[method] = md.Copy()
	lat := s.latency
	var fault *Fault
	for i := range s.faults {
		pf := &s.faults[i]
		if pf.f.Table == "" && (pf.f.Method == "" || pf.f.Method == method) {
			f := pf.f
			fault = &f
			pf.n--
			if pf.n == 0 {
				s.faults = append(s.faults[:i], s.faults[i+1:]...)
			}
			break
		}
	}
	s.fmu.Unlock()
	if err := sleepCtx(ctx, lat); err != nil {
		return status.FromContextError(err).Err()
	}
	if fault == nil {
		return nil
	}
	if fault.Status != 0 {
		hint := "non_retryable"
		if fault.Retryable {
			hint = "retryable"
		}
		_ = grpc.SetTrailer(ctx, metadata.Pairs(
			headerErrCode, strconv.FormatUint(uint64(fault.Status), 10),
			headerErrRetryHint, hint))
	}
	return status.Error(fault.Code, fault.Message)
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// tableFault consumes the first pending fault for a write into one of
// tables, by bulk (DoPut) or by row insert (Handle or HandleRequests, which
// share the insert path), and returns it as the error GreptimeDB returns,
// or nil.
func (s *Server) tableFault(bulk bool, tables ...string) error {
	s.fmu.Lock()
	defer s.fmu.Unlock()
	for i := range s.faults {
		pf := &s.faults[i]
		if pf.f.Table == "" || (pf.f.Method != "" && (pf.f.Method == "DoPut") != bulk) || !slices.Contains(tables, pf.f.Table) {
			continue
		}
		f := pf.f
		pf.n--
		if pf.n == 0 {
			s.faults = append(s.faults[:i], s.faults[i+1:]...)
		}
		return &Error{Code: StatusCode(f.Status), Msg: f.Message, Retryable: f.Retryable}
	}
	return nil
}

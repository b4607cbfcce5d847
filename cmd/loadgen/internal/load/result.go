package load

import (
	"fmt"
	"io"
	"sort"
	"strings"
	"syscall"
)

// Result is what one run measured, in the measured window only.
type Result struct {
	// Tags are the caller's labels (workload, target, run).
	Tags              map[string]string `json:"tags,omitempty"`
	Senders           int               `json:"senders"`
	WindowSeconds     float64           `json:"window_s"`
	Requests          int64             `json:"requests"`
	AcceptedRequests  int64             `json:"accepted_requests"`
	Items             int64             `json:"accepted_items"`
	ItemsPerSecond    float64           `json:"items_per_s"`
	RequestsPerSecond float64           `json:"requests_per_s"`
	LatencyMs         Latency           `json:"latency_ms"`
	// Status counts answers by HTTP code or gRPC code name; Errors are
	// requests that got no answer (connection refused, timeout).
	Status     map[string]int64 `json:"status"`
	Errors     int64            `json:"errors"`
	FirstError string           `json:"first_error,omitempty"`
	// FirstRefusal is the status and message of one answer that was not
	// 2xx/OK.
	FirstRefusal      string       `json:"first_refusal,omitempty"`
	Procs             []ProcResult `json:"procs,omitempty"`
	LoadgenCPUSeconds float64      `json:"loadgen_cpu_s"`
}

// Latency holds percentiles of the answered requests, send to answer.
type Latency struct {
	P50 float64 `json:"p50"`
	P90 float64 `json:"p90"`
	P99 float64 `json:"p99"`
	Max float64 `json:"max"`
}

// ProcResult is one measured process: its own CPU in the window and its
// peak RSS since it started.
type ProcResult struct {
	Name             string  `json:"name"`
	PID              int     `json:"pid"`
	CPUSeconds       float64 `json:"cpu_s"`
	CPUMicrosPerItem float64 `json:"cpu_us_per_item"`
	PeakRSSMiB       float64 `json:"peak_rss_mib"`
}

// WriteText prints the result for a person.
func (r *Result) WriteText(w io.Writer) {
	var tags []string
	for k, v := range r.Tags {
		tags = append(tags, k+"="+v)
	}
	sort.Strings(tags)
	fmt.Fprintf(w, "run %s: %d senders, %.1f s measured\n", strings.Join(tags, " "), r.Senders, r.WindowSeconds)
	fmt.Fprintf(w, "  accepted %.0f items/s (%d items), %.1f requests/s (%d of %d accepted), %d without answer\n",
		r.ItemsPerSecond, r.Items, r.RequestsPerSecond, r.AcceptedRequests, r.Requests, r.Errors)
	fmt.Fprintf(w, "  latency ms: p50 %.2f  p90 %.2f  p99 %.2f  max %.2f\n", r.LatencyMs.P50, r.LatencyMs.P90, r.LatencyMs.P99, r.LatencyMs.Max)
	var codes []string
	for k, v := range r.Status {
		codes = append(codes, fmt.Sprintf("%s=%d", k, v))
	}
	sort.Strings(codes)
	fmt.Fprintf(w, "  status: %s\n", strings.Join(codes, " "))
	if r.FirstError != "" {
		fmt.Fprintf(w, "  first error: %s\n", r.FirstError)
	}
	if r.FirstRefusal != "" {
		fmt.Fprintf(w, "  a refusal: %s\n", r.FirstRefusal)
	}
	for _, p := range r.Procs {
		fmt.Fprintf(w, "  process %s (pid %d): %.2f CPU-s, %.3f µs CPU per item, peak RSS %.0f MiB\n",
			p.Name, p.PID, p.CPUSeconds, p.CPUMicrosPerItem, p.PeakRSSMiB)
	}
	fmt.Fprintf(w, "  loadgen itself: %.2f CPU-s\n", r.LoadgenCPUSeconds)
}

// selfCPU is this process's user+system CPU seconds.
func selfCPU() float64 {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return float64(ru.Utime.Nano()+ru.Stime.Nano()) / 1e9
}

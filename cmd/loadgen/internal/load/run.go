// Package load drives a target with closed-loop senders and measures
// what it accepted, how fast it answered and what it cost the target's
// own process.
package load

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/greptime-bridge/greptime-bridge/cmd/loadgen/internal/gen"
)

// Config is one load run.
type Config struct {
	// Senders is the number of concurrent closed-loop senders: each sends
	// its next request when the previous one is answered.
	Senders int
	// Rate, when above zero, caps the total items per second: requests
	// are started on a fixed schedule shared by all senders (a sender that
	// falls behind sends at once, so the rate is not reached when the
	// target is slower than the schedule).
	Rate float64
	// Warmup is sent but not measured; Duration is the measured window.
	Warmup, Duration time.Duration
	// Procs are the processes whose CPU and peak RSS are read at the
	// window's edges, the target first.
	Procs []Proc
	// Fixed sends the templates as generated, compressed once before the
	// run, instead of stamping and compressing each send: every cycle
	// repeats the same timestamps, but the generator costs next to no CPU.
	Fixed bool
}

// Proc names a process to measure.
type Proc struct {
	Name string
	PID  int
}

// Run sends the templates in turn (request k is templates[k%len]) with
// fresh timestamps until the window ends, then waits for the requests in
// flight. Only requests answered inside the window count; latency is from
// send to answer, so with a fixed Rate it leaves out the time a request
// waited for a free sender.
func Run(ctx context.Context, cfg Config, templates []*gen.Template, tr Transport) (*Result, error) {
	if cfg.Senders < 1 || cfg.Duration <= 0 || len(templates) == 0 {
		return nil, fmt.Errorf("senders %d, duration %v, %d requests: want at least one of each", cfg.Senders, cfg.Duration, len(templates))
	}
	items := 0
	for _, t := range templates {
		items += t.Items
	}
	var reqInterval time.Duration
	if cfg.Rate > 0 {
		perReq := float64(items) / float64(len(templates))
		reqInterval = time.Duration(float64(time.Second) * perReq / cfg.Rate)
	}
	begin := time.Now()
	winStart, winEnd := begin.Add(cfg.Warmup), begin.Add(cfg.Warmup+cfg.Duration)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()

	var fixed [][]byte
	if cfg.Fixed {
		for _, t := range templates {
			w, err := tr.Prepare(nil, t.Body)
			if err != nil {
				return nil, err
			}
			fixed = append(fixed, w)
		}
	}
	var next atomic.Int64
	stats := make([]senderStats, cfg.Senders)
	var wg sync.WaitGroup
	errc := make(chan error, cfg.Senders)
	for s := range cfg.Senders {
		wg.Add(1)
		go func(st *senderStats) {
			defer wg.Done()
			st.status = map[string]int64{}
			var stamped, wire []byte
			for ctx.Err() == nil {
				k := next.Add(1) - 1
				if reqInterval > 0 {
					at := begin.Add(time.Duration(k) * reqInterval)
					if !at.Before(winEnd) {
						return
					}
					if d := time.Until(at); d > 0 {
						select {
						case <-time.After(d):
						case <-ctx.Done():
							return
						}
					}
				}
				t := templates[k%int64(len(templates))]
				var err error
				if fixed != nil {
					wire = fixed[k%int64(len(fixed))]
				} else if stamped, err = t.Stamp(stamped, time.Now()); err == nil {
					wire, err = tr.Prepare(wire, stamped)
				}
				if err != nil {
					errc <- err
					cancel()
					return
				}
				start := time.Now()
				if !start.Before(winEnd) {
					return
				}
				code, msg, err := tr.Send(ctx, wire)
				end := time.Now()
				// A request counts in the window it completes in: with
				// answers slower than the window, counting only requests
				// both sent and answered inside it would count none.
				if end.Before(winStart) || end.After(winEnd) {
					continue
				}
				st.requests++
				if err != nil {
					st.errors++
					if st.firstErr == nil {
						st.firstErr = err
					}
					continue
				}
				st.status[code]++
				st.latency = append(st.latency, end.Sub(start))
				if Accepted(code) {
					st.items += int64(t.Items)
				} else if st.firstRefusal == "" {
					st.firstRefusal = code + ": " + msg
				}
			}
		}(&stats[s])
	}

	res := &Result{Senders: cfg.Senders, WindowSeconds: cfg.Duration.Seconds(), Status: map[string]int64{}}
	cpu0 := make([]float64, len(cfg.Procs))
	waitUntil(ctx, winStart)
	for i, p := range cfg.Procs {
		cpu0[i], _ = CPUSeconds(p.PID)
	}
	lg0 := selfCPU()
	waitUntil(ctx, winEnd)
	for i, p := range cfg.Procs {
		cpu1, err := CPUSeconds(p.PID)
		rss, err2 := PeakRSSBytes(p.PID)
		if err = errors.Join(err, err2); err != nil {
			cancel()
			wg.Wait()
			return nil, fmt.Errorf("cannot measure process %s (%d): %w", p.Name, p.PID, err)
		}
		res.Procs = append(res.Procs, ProcResult{Name: p.Name, PID: p.PID, CPUSeconds: cpu1 - cpu0[i], PeakRSSMiB: float64(rss) / (1 << 20)})
	}
	res.LoadgenCPUSeconds = selfCPU() - lg0
	// Requests in flight are answered (or time out) before the totals;
	// none of them counts, since they end after the window.
	wg.Wait()
	select {
	case err := <-errc:
		return nil, err
	default:
	}
	if ctx.Err() != nil && time.Now().Before(winEnd) {
		return nil, ctx.Err()
	}
	res.merge(stats)
	return res, nil
}

func waitUntil(ctx context.Context, t time.Time) {
	select {
	case <-time.After(time.Until(t)):
	case <-ctx.Done():
	}
}

type senderStats struct {
	requests, errors, items int64
	status                  map[string]int64
	latency                 []time.Duration
	firstErr                error
	firstRefusal            string
}

func (r *Result) merge(stats []senderStats) {
	var lat []time.Duration
	for _, s := range stats {
		r.Requests += s.requests
		r.Errors += s.errors
		r.Items += s.items
		for k, v := range s.status {
			r.Status[k] += v
			if Accepted(k) {
				r.AcceptedRequests += v
			}
		}
		lat = append(lat, s.latency...)
		if s.firstErr != nil && r.FirstError == "" {
			r.FirstError = s.firstErr.Error()
		}
		if s.firstRefusal != "" && r.FirstRefusal == "" {
			r.FirstRefusal = s.firstRefusal
		}
	}
	r.ItemsPerSecond = float64(r.Items) / r.WindowSeconds
	r.RequestsPerSecond = float64(r.Requests) / r.WindowSeconds
	sort.Slice(lat, func(a, b int) bool { return lat[a] < lat[b] })
	if len(lat) > 0 {
		q := func(p float64) float64 { return float64(lat[int(p*float64(len(lat)-1))]) / 1e6 }
		r.LatencyMs = Latency{P50: q(0.5), P90: q(0.9), P99: q(0.99), Max: q(1)}
	}
	for i := range r.Procs {
		if r.Items > 0 {
			r.Procs[i].CPUMicrosPerItem = r.Procs[i].CPUSeconds * 1e6 / float64(r.Items)
		}
	}
}

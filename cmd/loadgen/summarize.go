package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"sort"

	"github.com/greptime-bridge/greptime-bridge/cmd/loadgen/internal/load"
)

// group is the runs of one target on one workload.
type group struct {
	workload, target string
	runs             []*load.Result
}

// stat is a median with its range over runs; ok is false when no run had
// a figure (e.g. CPU per item when nothing was accepted).
type stat struct {
	med, lo, hi float64
	ok          bool
}

func statOf(rs []*load.Result, f func(*load.Result) float64) stat {
	var v []float64
	for _, r := range rs {
		if x := f(r); !math.IsNaN(x) {
			v = append(v, x)
		}
	}
	if len(v) == 0 {
		return stat{}
	}
	sort.Float64s(v)
	m := v[len(v)/2]
	if len(v)%2 == 0 {
		m = (v[len(v)/2-1] + v[len(v)/2]) / 2
	}
	return stat{m, v[0], v[len(v)-1], true}
}

func (s stat) format(prec int) string {
	if !s.ok {
		return "n/a"
	}
	return fmt.Sprintf("%.*f [%.*f–%.*f]", prec, s.med, prec, s.lo, prec, s.hi)
}

// perItem is a per-item figure of a run, NaN (no figure) when the run
// accepted nothing.
func perItem(f func(load.ProcResult) float64, i int) func(*load.Result) float64 {
	return func(r *load.Result) float64 {
		if r.Items == 0 {
			return math.NaN()
		}
		return proc(r, i, f)
	}
}

func proc(r *load.Result, i int, f func(load.ProcResult) float64) float64 {
	if i < len(r.Procs) {
		return f(r.Procs[i])
	}
	return 0
}

// summarize reads the JSON lines of `loadgen run -json` (tagged workload=
// and target=) and prints, per workload and target, medians and ranges
// over the runs, then the bridge's figures over its peer's.
func summarize(files []string, out io.Writer) error {
	var order []string
	groups := map[string]*group{}
	for _, name := range files {
		f, err := os.Open(name)
		if err != nil {
			return err
		}
		sc := bufio.NewScanner(f)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for sc.Scan() {
			var r load.Result
			if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
				f.Close()
				return fmt.Errorf("%s: %w", name, err)
			}
			key := r.Tags["workload"] + "\x00" + r.Tags["target"]
			if groups[key] == nil {
				groups[key] = &group{workload: r.Tags["workload"], target: r.Tags["target"]}
				order = append(order, key)
			}
			groups[key].runs = append(groups[key].runs, &r)
		}
		f.Close()
		if err := sc.Err(); err != nil {
			return err
		}
	}
	if len(order) == 0 {
		return fmt.Errorf("no results in %v", files)
	}
	fmt.Fprintln(out, "| workload | target | runs | accepted items/s | target CPU µs/item | target peak RSS MiB | p99 ms | sink CPU µs/item | not accepted |")
	fmt.Fprintln(out, "|---|---|---|---|---|---|---|---|---|")
	for _, k := range order {
		g := groups[k]
		var bad int64
		for _, r := range g.runs {
			bad += r.Requests - r.AcceptedRequests
		}
		fmt.Fprintf(out, "| %s | %s | %d | %s | %s | %s | %s | %s | %d |\n", g.workload, g.target, len(g.runs),
			statOf(g.runs, func(r *load.Result) float64 { return r.ItemsPerSecond }).format(0),
			statOf(g.runs, perItem(cpuPerItem, 0)).format(2),
			statOf(g.runs, func(r *load.Result) float64 {
				return proc(r, 0, func(p load.ProcResult) float64 { return p.PeakRSSMiB })
			}).format(0),
			statOf(g.runs, func(r *load.Result) float64 { return r.LatencyMs.P99 }).format(1),
			statOf(g.runs, perItem(cpuPerItem, 1)).format(2),
			bad)
	}
	fmt.Fprintln(out)
	fmt.Fprintln(out, "| workload | bridge / peer | items/s | CPU per item | peak RSS | p99 |")
	fmt.Fprintln(out, "|---|---|---|---|---|---|")
	for _, k := range order {
		b := groups[k]
		if b.target != "bridge" {
			continue
		}
		for _, k2 := range order {
			p := groups[k2]
			if p.workload != b.workload || p.target == "bridge" {
				continue
			}
			ratio := func(f func(*load.Result) float64) string {
				n, d := statOf(b.runs, f), statOf(p.runs, f)
				if !n.ok || !d.ok || d.med == 0 {
					return "n/a"
				}
				return fmt.Sprintf("%.2f×", n.med/d.med)
			}
			fmt.Fprintf(out, "| %s | bridge / %s | %s | %s | %s | %s |\n", b.workload, p.target,
				ratio(func(r *load.Result) float64 { return r.ItemsPerSecond }),
				ratio(perItem(cpuPerItem, 0)),
				ratio(func(r *load.Result) float64 {
					return proc(r, 0, func(p load.ProcResult) float64 { return p.PeakRSSMiB })
				}),
				ratio(func(r *load.Result) float64 { return r.LatencyMs.P99 }))
		}
	}
	return nil
}

func cpuPerItem(p load.ProcResult) float64 { return p.CPUMicrosPerItem }

package load

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/greptime-bridge/greptime-bridge/cmd/loadgen/internal/gen"
	"github.com/greptime-bridge/greptime-bridge/cmd/loadgen/internal/sink"
)

func templates(t *testing.T) []*gen.Template {
	t.Helper()
	rw := gen.RemoteWrite{SeriesSet: gen.SeriesSet{Series: 300, Labels: 5, Names: 10}, SeriesPerRequest: 100, SamplesPerSeries: 1}
	tmpl, err := rw.Requests(time.Now())
	if err != nil {
		t.Fatal(err)
	}
	return tmpl
}

func rwTransport(t *testing.T, url string) Transport {
	t.Helper()
	h := http.Header{}
	h.Set("Content-Type", "application/x-protobuf")
	h.Set("Content-Encoding", "snappy")
	tr, err := NewHTTP(url+"/api/v1/write", h, "snappy", 4)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { tr.Close() })
	return tr
}

// TestRunCountsWhatTheSinkTook: every item the result calls accepted was
// counted by the sink, and the process figures are read.
func TestRunCountsWhatTheSinkTook(t *testing.T) {
	for _, fixed := range []bool{false, true} {
		t.Run(map[bool]string{false: "stamped", true: "fixed"}[fixed], func(t *testing.T) { testRunCounts(t, fixed) })
	}
}

func testRunCounts(t *testing.T, fixed bool) {
	s := sink.New()
	srv := httptest.NewServer(s.Handler())
	defer srv.Close()
	res, err := Run(context.Background(), Config{
		Senders: 4, Warmup: 50 * time.Millisecond, Duration: 300 * time.Millisecond,
		Procs: []Proc{{Name: "self", PID: os.Getpid()}}, Fixed: fixed,
	}, templates(t), rwTransport(t, srv.URL))
	if err != nil {
		t.Fatal(err)
	}
	if res.Items == 0 || res.Items%100 != 0 || res.AcceptedRequests*100 != res.Items {
		t.Fatalf("accepted %d items in %d requests, want a positive multiple of 100 per request", res.Items, res.AcceptedRequests)
	}
	if res.Status["204"] != res.Requests || res.Errors != 0 || len(res.Status) != 1 {
		t.Errorf("statuses %v, %d errors, of %d requests: want only 204", res.Status, res.Errors, res.Requests)
	}
	if got := s.Totals()[sink.RemoteWrite1]; got < res.Items {
		t.Errorf("sink counted %d samples, fewer than the %d the run reports accepted", got, res.Items)
	}
	if res.LatencyMs.P50 <= 0 || res.LatencyMs.P50 > res.LatencyMs.P99 || res.LatencyMs.P99 > res.LatencyMs.Max {
		t.Errorf("latency percentiles out of order: %+v", res.LatencyMs)
	}
	if len(res.Procs) != 1 || res.Procs[0].PeakRSSMiB <= 0 || res.Procs[0].CPUSeconds < 0 {
		t.Errorf("process figures %+v", res.Procs)
	}
}

// TestRunStatuses: refusals are counted by code and not as accepted.
func TestRunStatuses(t *testing.T) {
	var n atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		if n.Add(1)%2 == 0 {
			http.Error(w, "memory budget full", http.StatusServiceUnavailable)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	}))
	defer srv.Close()
	res, err := Run(context.Background(), Config{Senders: 2, Duration: 200 * time.Millisecond}, templates(t), rwTransport(t, srv.URL))
	if err != nil {
		t.Fatal(err)
	}
	if res.Status["503"] == 0 || res.Status["204"] == 0 {
		t.Fatalf("statuses %v: want both 204 and 503", res.Status)
	}
	if !strings.HasPrefix(res.FirstRefusal, "503: memory budget full") {
		t.Errorf("first refusal %q, want the 503 and its message", res.FirstRefusal)
	}
	if res.AcceptedRequests != res.Status["204"] || res.Items != 100*res.Status["204"] {
		t.Errorf("accepted %d requests, %d items; 204s %d", res.AcceptedRequests, res.Items, res.Status["204"])
	}
}

// TestRunRate: with a rate, requests start on a schedule, so no more
// start than the schedule allows, whatever the target's speed.
func TestRunRate(t *testing.T) {
	var started atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		started.Add(1)
		w.WriteHeader(http.StatusNoContent)
	}))
	defer srv.Close()
	// 100-sample requests at 2,000 samples/s: one request per 50 ms.
	warm, win := 100*time.Millisecond, 400*time.Millisecond
	if _, err := Run(context.Background(), Config{Senders: 4, Rate: 2000, Warmup: warm, Duration: win}, templates(t), rwTransport(t, srv.URL)); err != nil {
		t.Fatal(err)
	}
	if allowed := int64((warm+win)/(50*time.Millisecond)) + 1; started.Load() > allowed {
		t.Errorf("%d requests started, the schedule allows %d", started.Load(), allowed)
	}
}

func TestRunRefusesEmptyConfig(t *testing.T) {
	if _, err := Run(context.Background(), Config{Senders: 0, Duration: time.Second}, templates(t), nil); err == nil {
		t.Error("no senders: no error")
	}
}

func TestProc(t *testing.T) {
	if _, err := CPUSeconds(os.Getpid()); err != nil {
		t.Error(err)
	}
	if rss, err := PeakRSSBytes(os.Getpid()); err != nil || rss <= 0 {
		t.Errorf("peak RSS %d, %v", rss, err)
	}
	if _, err := CPUSeconds(-1); err == nil {
		t.Error("pid -1: no error")
	}
}

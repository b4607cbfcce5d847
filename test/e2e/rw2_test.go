package e2e

import (
	"context"
	"fmt"
	"strconv"
	"testing"
	"time"

	"github.com/prometheus/client_golang/exp/api/remote"
	writev2 "github.com/prometheus/client_golang/exp/api/remote/genproto/v2"
)

// rw2Request builds a remote-write 2.0 request: four series of a counter
// with ten samples each and one gauge series with five samples.
func rw2Request(base int64) (*writev2.Request, int) {
	st := writev2.NewSymbolTable()
	var series []*writev2.TimeSeries
	n := 0
	for _, method := range []string{"GET", "POST", "PUT", "DELETE"} {
		ts := &writev2.TimeSeries{
			LabelsRefs: st.SymbolizeLabels([]string{"__name__", "rw2_requests_total", "job", "rw2", "method", method}, nil),
			Metadata: &writev2.Metadata{
				Type:    writev2.Metadata_METRIC_TYPE_COUNTER,
				HelpRef: st.Symbolize("Requests by method."),
			},
		}
		for i := range 10 {
			ts.Samples = append(ts.Samples, &writev2.Sample{Value: float64(i * 3), Timestamp: base + int64(i)*1000})
			n++
		}
		series = append(series, ts)
	}
	g := &writev2.TimeSeries{
		LabelsRefs: st.SymbolizeLabels([]string{"__name__", "rw2_temperature_celsius", "job", "rw2", "room", "lab"}, nil),
		Metadata:   &writev2.Metadata{Type: writev2.Metadata_METRIC_TYPE_GAUGE},
	}
	for i := range 5 {
		g.Samples = append(g.Samples, &writev2.Sample{Value: 20.5 + float64(i)/8, Timestamp: base + int64(i)*1000})
		n++
	}
	series = append(series, g)
	return &writev2.Request{Symbols: st.Symbols(), Timeseries: series}, n
}

func TestRemoteWrite2ClientGolang(t *testing.T) {
	b := startBridge(t, "GREPTIME_BRIDGE_PIPELINE_FLUSH_INTERVAL=50ms")
	base := time.Now().Add(-time.Minute).UnixMilli()
	req, n := rw2Request(base)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()

	// Once at Prometheus's path, then the same request again at
	// GreptimeDB's own path: the second is a no-op for the stored rows
	// (same series and timestamps) but is acknowledged in full again.
	for _, path := range []string{"api/v1/write", "v1/prometheus/write"} {
		api, err := remote.NewAPI("http://"+b.HTTP, remote.WithAPIPath(path),
			remote.WithAPIBackoff(remote.BackoffConfig{Min: 50 * time.Millisecond, Max: time.Second, MaxRetries: 3}))
		if err != nil {
			t.Fatal(err)
		}
		stats, err := api.Write(ctx, remote.WriteV2MessageType, req)
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		if stats.Samples != n || stats.Histograms != 0 || stats.Exemplars != 0 {
			t.Errorf("%s: written headers say %d samples, %d histograms, %d exemplars; want %d, 0, 0",
				path, stats.Samples, stats.Histograms, stats.Exemplars, n)
		}
	}

	// The write was acknowledged after GreptimeDB stored it: no waiting.
	tables := b.tables(t, "")
	wantRows(t, tables, "rw2_requests_total", 40)
	wantRows(t, tables, "rw2_temperature_celsius", 5)
	temp := tables["rw2_temperature_celsius"]
	wantColumn(t, temp, "room", "STRING", "TAG")
	wantColumn(t, temp, "job", "STRING", "TAG")
	wantColumn(t, temp, "greptime_timestamp", "TIMESTAMP_MILLISECOND", "TIMESTAMP")
	wantColumn(t, temp, "greptime_value", "FLOAT64", "FIELD")
	wantColumn(t, tables["rw2_requests_total"], "method", "STRING", "TAG")
	rows, err := temp.sampleRows()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 3 {
		t.Fatalf("rw2_temperature_celsius: %d sample rows", len(rows))
	}
	for i, r := range rows {
		wantTS, wantV := strconv.FormatInt(base+int64(i)*1000, 10), fmt.Sprint(20.5+float64(i)/8)
		if r["greptime_timestamp"].Raw != wantTS || r["greptime_value"].Raw != wantV || r["room"].Raw != "lab" {
			t.Errorf("row %d: ts %s value %s room %s, want %s %s lab", i, r["greptime_timestamp"].Raw,
				r["greptime_value"].Raw, r["room"].Raw, wantTS, wantV)
		}
	}
	// Both requests were counted as 2.0 and answered 204.
	if got := scrapeValue(t, "http://"+b.HTTP+"/metrics", `bridge_remote_write_requests_total{status="204",version="2.0"}`); got != 2 {
		t.Errorf("bridge_remote_write_requests_total{version=2.0,status=204} = %v, want 2", got)
	}
}

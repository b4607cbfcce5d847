package e2e

import (
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// promServer is a running Debian prometheus scraping itself.
type promServer struct {
	Addr string
}

// startPrometheus starts prometheus scraping itself every second and
// remote-writing to the bridge through one queue shard, so that each
// scrape arrives as one request (max_samples_per_send is above a scrape's
// ~1,000 samples) and a table's flushed batch is one scrape's series.
func startPrometheus(t *testing.T, b *bridge) *promServer {
	t.Helper()
	return startPrometheusBin(t, peer(t, "prometheus", "E2E_PROMETHEUS"), "http://"+b.HTTP+"/api/v1/write", "")
}

// startPrometheusBin starts the prometheus at bin writing to writeURL;
// rwExtra is added to the remote_write entry (indented four spaces),
// flags to the command.
func startPrometheusBin(t *testing.T, bin, writeURL, rwExtra string, flags ...string) *promServer {
	t.Helper()
	dir := t.TempDir()
	addr := freeAddr(t)
	cfg := fmt.Sprintf(`global:
  scrape_interval: 1s
  evaluation_interval: 1s
scrape_configs:
  - job_name: prometheus
    static_configs:
      - targets: ['%s']
remote_write:
  - url: %s
    queue_config:
      batch_send_deadline: 100ms
      min_shards: 1
      max_shards: 1
      max_samples_per_send: 10000
      min_backoff: 50ms
      max_backoff: 1s
    metadata_config:
      send_interval: 2s
%s`, addr, writeURL, rwExtra)
	cfgPath := filepath.Join(dir, "prometheus.yml")
	if err := os.WriteFile(cfgPath, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	storage := "--storage.tsdb.path="
	for _, f := range flags {
		if f == "--enable-feature=agent" {
			storage = "--storage.agent.path="
		}
	}
	args := append([]string{
		"--config.file=" + cfgPath, storage + filepath.Join(dir, "data"),
		"--web.listen-address=" + addr, "--log.level=warn",
	}, flags...)
	startPeer(t, bin, args...)
	p := &promServer{Addr: addr}
	waitFor(t, 30*time.Second, func() string {
		resp, err := httpClient.Get("http://" + addr + "/-/ready")
		if err != nil {
			return "prometheus not answering: " + err.Error()
		}
		resp.Body.Close()
		if resp.StatusCode != 200 {
			return "prometheus not ready: " + resp.Status
		}
		return ""
	})
	return p
}

// promSeries is one series of a query result.
type promSeries struct {
	Metric map[string]string `json:"metric"`
	Values [][2]any          `json:"values"` // matrix
	Value  [2]any            `json:"value"`  // vector
}

// query runs an instant query at the current time.
func (p *promServer) query(q string) ([]promSeries, error) {
	u := "http://" + p.Addr + "/api/v1/query?query=" + url.QueryEscape(q)
	resp, err := httpClient.Get(u)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	var r struct {
		Status string `json:"status"`
		Error  string `json:"error"`
		Data   struct {
			Result []promSeries `json:"result"`
		} `json:"data"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&r); err != nil {
		return nil, fmt.Errorf("query %s: %w", q, err)
	}
	if r.Status != "success" {
		return nil, fmt.Errorf("query %s: %s", q, r.Error)
	}
	return r.Data.Result, nil
}

// promSample is one (timestamp, value) pair of the HTTP API.
type promSample struct {
	TS    int64 // milliseconds
	Value float64
}

// decodeSample reads [seconds, "value"]: the API prints seconds with up to
// three decimals, read as text so that no float rounding touches them.
func decodeSample(p [2]any) (promSample, error) {
	sec, ok := p[0].(json.Number)
	if !ok {
		return promSample{}, fmt.Errorf("timestamp %v is not a number", p[0])
	}
	whole, frac, _ := strings.Cut(sec.String(), ".")
	frac = (frac + "000")[:3]
	ms, err := strconv.ParseInt(whole+frac, 10, 64)
	if err != nil {
		return promSample{}, fmt.Errorf("timestamp %s: %w", sec, err)
	}
	vs, ok := p[1].(string)
	if !ok {
		return promSample{}, fmt.Errorf("value %v is not a string", p[1])
	}
	v, err := strconv.ParseFloat(vs, 64)
	if err != nil {
		return promSample{}, fmt.Errorf("value %q: %w", vs, err)
	}
	return promSample{TS: ms, Value: v}, nil
}

// rangeQuery runs q (a range selector) at the current time and returns
// each series' samples, keeping json.Number timestamps exact.
func (p *promServer) rangeQuery(q string) ([]promSeries, error) {
	return p.rangeQueryAt(q, "")
}

// rangeQueryAt is rangeQuery evaluated at at (seconds, "" for now).
func (p *promServer) rangeQueryAt(q, at string) ([]promSeries, error) {
	u := "http://" + p.Addr + "/api/v1/query?query=" + url.QueryEscape(q)
	if at != "" {
		u += "&time=" + at
	}
	resp, err := httpClient.Get(u)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	dec := json.NewDecoder(resp.Body)
	dec.UseNumber()
	var r struct {
		Status string `json:"status"`
		Error  string `json:"error"`
		Data   struct {
			Type   string       `json:"resultType"`
			Result []promSeries `json:"result"`
		} `json:"data"`
	}
	if err := dec.Decode(&r); err != nil {
		return nil, fmt.Errorf("query %s: %w", q, err)
	}
	if r.Status != "success" || r.Data.Type != "matrix" {
		return nil, fmt.Errorf("query %s: status %s type %s: %s", q, r.Status, r.Data.Type, r.Error)
	}
	return r.Data.Result, nil
}

package deploy_test

import (
	"bytes"
	"encoding/json"
	"io"
	"math"
	"net/http"
	"testing"
	"time"

	"github.com/klauspost/compress/snappy"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.opentelemetry.io/collector/pdata/pmetric/pmetricotlp"
	"google.golang.org/protobuf/encoding/protowire"
)

// TestQuickStart walks the README's "Try it in one command" as a new user
// would: the bridge built from the repository runs with -dev, a remote-write
// request and an OTLP/HTTP request arrive at the addresses it prints, and
// the tables they made are read back from /debug/tables.
func TestQuickStart(t *testing.T) {
	addr := startBridge(t, "", nil)
	now := time.Now().UnixMilli()

	post(t, "http://"+addr+"/api/v1/write", "application/x-protobuf",
		map[string]string{"Content-Encoding": "snappy", "X-Prometheus-Remote-Write-Version": "0.1.0"},
		snappy.Encode(nil, remoteWrite("quickstart_requests_total", 7, now)))

	md := pmetric.NewMetrics()
	m := md.ResourceMetrics().AppendEmpty().ScopeMetrics().AppendEmpty().Metrics().AppendEmpty()
	m.SetName("quickstart.temperature")
	dp := m.SetEmptyGauge().DataPoints().AppendEmpty()
	dp.SetTimestamp(pcommon.Timestamp(now * int64(time.Millisecond)))
	dp.SetDoubleValue(21.5)
	body, err := pmetricotlp.NewExportRequestFromMetrics(md).MarshalProto()
	if err != nil {
		t.Fatal(err)
	}
	post(t, "http://"+addr+"/v1/metrics", "application/x-protobuf", nil, body)

	resp, err := http.Get("http://" + addr + "/debug/tables")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var tables []struct {
		Name string `json:"name"`
		Rows int    `json:"row_count"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&tables); err != nil {
		t.Fatal(err)
	}
	rows := map[string]int{}
	for _, tb := range tables {
		rows[tb.Name] = tb.Rows
	}
	for _, name := range []string{"quickstart_requests_total", "quickstart_temperature"} {
		if rows[name] != 1 {
			t.Errorf("table %s has %d rows, want 1 (tables: %v)", name, rows[name], rows)
		}
	}
	// The bridge now exports its request, write and budget metrics: the
	// dashboard may use only those.
	checkDashboard(t, exportedMetrics(t, "http://"+addr+"/metrics"))
}

func post(t *testing.T, url, contentType string, headers map[string]string, body []byte) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", contentType)
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	msg, _ := io.ReadAll(resp.Body)
	if resp.StatusCode/100 != 2 {
		t.Fatalf("POST %s: %d %s", url, resp.StatusCode, msg)
	}
}

// remoteWrite encodes a remote-write 1.0 WriteRequest with one series and
// one sample: WriteRequest.timeseries (1) → TimeSeries.labels (1) and
// samples (2); Label name (1), value (2); Sample value (1), timestamp (2).
func remoteWrite(metric string, value float64, tsMillis int64) []byte {
	var ts []byte
	for _, l := range [][2]string{{"__name__", metric}, {"job", "quickstart"}} {
		var lb []byte
		lb = protowire.AppendTag(lb, 1, protowire.BytesType)
		lb = protowire.AppendString(lb, l[0])
		lb = protowire.AppendTag(lb, 2, protowire.BytesType)
		lb = protowire.AppendString(lb, l[1])
		ts = protowire.AppendTag(ts, 1, protowire.BytesType)
		ts = protowire.AppendBytes(ts, lb)
	}
	var sb []byte
	sb = protowire.AppendTag(sb, 1, protowire.Fixed64Type)
	sb = protowire.AppendFixed64(sb, math.Float64bits(value))
	sb = protowire.AppendTag(sb, 2, protowire.VarintType)
	sb = protowire.AppendVarint(sb, uint64(tsMillis))
	ts = protowire.AppendTag(ts, 2, protowire.BytesType)
	ts = protowire.AppendBytes(ts, sb)
	var req []byte
	req = protowire.AppendTag(req, 1, protowire.BytesType)
	return protowire.AppendBytes(req, ts)
}

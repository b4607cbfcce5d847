package queue

import (
	"bytes"
	"math"
	"net/http"
	"net/http/httptest"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/klauspost/compress/snappy"
	"google.golang.org/protobuf/encoding/protowire"

	"github.com/greptime-bridge/greptime-bridge/receivers/promrw"
	"github.com/greptime-bridge/greptime-bridge/translate"
	"github.com/greptime-bridge/greptime-bridge/translate/prom"
)

// rw1Body is a snappy remote-write 1.0 request of one series with one
// sample (prompb.WriteRequest: timeseries = 1, labels = 1, samples = 2).
func rw1Body(metric string, ts int64) []byte {
	label := func(name, value string) []byte {
		var b []byte
		b = protowire.AppendTag(b, 1, protowire.BytesType)
		b = protowire.AppendString(b, name)
		b = protowire.AppendTag(b, 2, protowire.BytesType)
		return protowire.AppendString(b, value)
	}
	var sample []byte
	sample = protowire.AppendTag(sample, 1, protowire.Fixed64Type)
	sample = protowire.AppendFixed64(sample, math.Float64bits(1))
	sample = protowire.AppendTag(sample, 2, protowire.VarintType)
	sample = protowire.AppendVarint(sample, uint64(ts))
	var series []byte
	series = protowire.AppendTag(series, 1, protowire.BytesType)
	series = protowire.AppendBytes(series, label("__name__", metric))
	series = protowire.AppendTag(series, 2, protowire.BytesType)
	series = protowire.AppendBytes(series, sample)
	var req []byte
	req = protowire.AppendTag(req, 1, protowire.BytesType)
	req = protowire.AppendBytes(req, series)
	return snappy.Encode(nil, req)
}

// TestRemoteWriteAnswers503WhileTheDiskFails is fault test 6 through the
// remote-write handler: with the queue's file system failing writes
// (ENOSPC), a sender gets 503 + Retry-After with a message that names
// neither path nor errno, and 204 again once writes succeed.
func TestRemoteWriteAnswers503WhileTheDiskFails(t *testing.T) {
	fs := &faultFS{}
	cfg := testConfig(t.TempDir())
	cfg.FS = fs
	var lb logBuf
	s := newSink()
	q := openQueue(t, cfg, s, nil, &lb)
	defer func() {
		if err := shutdown(t, q, 10*time.Second); err != nil {
			t.Error(err)
		}
	}()
	h := promrw.New(promrw.Config{
		RetryAfter: 9 * time.Second, Translate: prom.DefaultOptions(),
		DBOptions: func(string) translate.DatabaseOptions { return translate.DefaultDatabaseOptions() },
	},
		q, nil, nil, nil, nil, lb.logger())
	post := func(ts int64) *httptest.ResponseRecorder {
		r := httptest.NewRequest(http.MethodPost, promrw.PathPrometheus, bytes.NewReader(rw1Body("up", ts)))
		r.Header.Set("Content-Type", "application/x-protobuf")
		r.Header.Set("Content-Encoding", "snappy")
		r.Header.Set("X-Prometheus-Remote-Write-Version", "0.1.0")
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		return w
	}
	if w := post(1); w.Code != http.StatusNoContent {
		t.Fatalf("before the fault: %d %s", w.Code, w.Body)
	}
	fs.fail(syscall.ENOSPC)
	w := post(2)
	// The queue's delay (limits.retry_after in the bridge) is the hint.
	if w.Code != http.StatusServiceUnavailable || w.Header().Get("Retry-After") != "3" {
		t.Errorf("disk full answered %d, Retry-After %q", w.Code, w.Header().Get("Retry-After"))
	}
	if body := w.Body.String(); strings.Contains(body, cfg.Dir) || strings.Contains(body, "no space") {
		t.Errorf("the answer shows the bridge's disk details: %s", body)
	}
	fs.fail(nil)
	if w := post(3); w.Code != http.StatusNoContent {
		t.Fatalf("after the fault: %d %s", w.Code, w.Body)
	}
	s.waitRows(t, "up", 2)
}

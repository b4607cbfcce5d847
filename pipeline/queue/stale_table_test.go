package queue_test

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/plog/plogotlp"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/collector/pdata/ptrace/ptraceotlp"

	"github.com/greptime-bridge/greptime-bridge/pipeline"
	"github.com/greptime-bridge/greptime-bridge/pipeline/queue"
	"github.com/greptime-bridge/greptime-bridge/receivers/dbselect"
	"github.com/greptime-bridge/greptime-bridge/receivers/otlp"
	"github.com/greptime-bridge/greptime-bridge/translate"
	"github.com/greptime-bridge/greptime-bridge/writer"
	"github.com/greptime-bridge/greptime-bridge/writer/greptimetest"
	"github.com/greptime-bridge/greptime-bridge/writer/retry"
)

// drained passes the drainer's writes to the pipeline and signals after
// each, so a test waits for rows without polling.
type drained struct {
	next *pipeline.Pipeline
	done chan struct{}
}

func (d *drained) Consume(ctx context.Context, out *translate.Output) error {
	err := d.next.Consume(ctx, out)
	select {
	case d.done <- struct{}{}:
	default:
	}
	return err
}

// bridge is the on_queue wiring of cmd/bridge (client, pipeline with the
// schema reader, disk queue, OTLP receiver as the queue's retranslator) in
// front of a test server.
type bridge struct {
	url     string
	reg     *prometheus.Registry
	drained *drained
	stop    func(d time.Duration) error
}

func startBridge(t *testing.T, srv *greptimetest.Server, dir string) *bridge {
	t.Helper()
	c, err := writer.NewClient(writer.DefaultConfig(srv.Addr()))
	if err != nil {
		t.Fatal(err)
	}
	p := pipeline.New(pipeline.Config{
		Workers: 2,
		Retry:   pipeline.RetryConfig{MaxAttempts: 2, InitialBackoff: time.Millisecond, MaxBackoff: time.Millisecond},
	}, c, pipeline.ClientDDL{Client: c}, nil, nil)
	p.SetSchemaReader(pipeline.ClientSchema{Client: c}, 10*time.Second)
	reg := prometheus.NewRegistry()
	d := &drained{next: p, done: make(chan struct{}, 1)}
	q, err := queue.Open(queue.Config{
		Dir: dir, MaxBytes: 64 << 20, SegmentBytes: 1 << 20, Fsync: queue.FsyncAlways, DrainMaxBytes: 1 << 20,
		RetryAfter: time.Second, Backoff: retry.Policy{InitialBackoff: time.Millisecond, MaxBackoff: 20 * time.Millisecond},
	}, d, p, reg, nil)
	if err != nil {
		t.Fatal(err)
	}
	r := otlp.New(otlp.Config{MaxRequestBytes: 1 << 20, MaxDecompressedBytes: 4 << 20, RetryAfter: time.Second, Schemas: p.Schemas()},
		q, nil, &dbselect.Selector{Default: "public"}, nil, otlp.NewMetrics(prometheus.NewRegistry()), nil)
	q.SetRetranslator(r)
	q.Start()
	mux := http.NewServeMux()
	r.Register(mux)
	hs := httptest.NewServer(mux)
	var once sync.Once
	b := &bridge{url: hs.URL, reg: reg, drained: d}
	b.stop = func(wait time.Duration) error {
		var err error
		once.Do(func() {
			hs.Close()
			ctx, cancel := context.WithTimeout(context.Background(), wait)
			defer cancel()
			err = q.Shutdown(ctx)
			_ = p.Shutdown(ctx)
			_ = c.Close()
		})
		return err
	}
	t.Cleanup(func() { _ = b.stop(5 * time.Second) })
	return b
}

// waitRows waits (30 s at most) until every table holds its row count.
func (b *bridge) waitRows(t *testing.T, srv *greptimetest.Server, want map[string]int) {
	t.Helper()
	deadline := time.After(30 * time.Second)
	for {
		short := ""
		for tbl, n := range want {
			if got := srv.RowCount("public", tbl); got != n {
				short += " " + tbl + ":" + strconv.Itoa(got)
			}
		}
		if short == "" {
			return
		}
		select {
		case <-b.drained.done:
		case <-deadline:
			t.Fatalf("rows still short:%s (want %v)", short, want)
		}
	}
}

func (b *bridge) metric(t *testing.T, name string) float64 {
	t.Helper()
	mfs, err := b.reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() == name {
			return mf.GetMetric()[0].GetCounter().GetValue()
		}
	}
	t.Fatalf("no metric %s", name)
	return 0
}

func (b *bridge) send(t *testing.T, path string, body []byte, hdr map[string]string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, b.url+path, bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/x-protobuf")
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("%s answered %d", path, resp.StatusCode)
	}
}

// logWithHost is one log record at ts whose attribute host is an integer
// (a BIGINT column when new), or none when host < 0.
func logWithHost(ts int64, host int) []byte {
	ld := plog.NewLogs()
	rl := ld.ResourceLogs().AppendEmpty()
	rl.Resource().Attributes().PutStr("service.name", "svc")
	lr := rl.ScopeLogs().AppendEmpty().LogRecords().AppendEmpty()
	lr.SetTimestamp(pcommon.Timestamp(ts))
	lr.Body().SetStr("hello")
	if host >= 0 {
		lr.Attributes().PutInt("host", int64(host))
	}
	pb, _ := plogotlp.NewExportRequestFromLogs(ld).MarshalProto()
	return pb
}

// spanRetries is one span (id i) whose attribute retries is the integer v.
func spanRetries(i byte, v int64) []byte {
	td := ptrace.NewTraces()
	rs := td.ResourceSpans().AppendEmpty()
	rs.Resource().Attributes().PutStr("service.name", "svc")
	sp := rs.ScopeSpans().AppendEmpty().Spans().AppendEmpty()
	sp.SetName("op")
	sp.SetTraceID(pcommon.TraceID{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, i})
	sp.SetSpanID(pcommon.SpanID{1, 2, 3, 4, 5, 6, 7, i})
	sp.SetStartTimestamp(pcommon.Timestamp(time.Second + time.Duration(i)*time.Millisecond))
	sp.SetEndTimestamp(pcommon.Timestamp(2 * time.Second))
	sp.Attributes().PutInt("retries", v)
	pb, _ := ptraceotlp.NewExportRequestFromTraces(td).MarshalProto()
	return pb
}

func execSQL(t *testing.T, srv *greptimetest.Server, sql string) {
	t.Helper()
	c, err := writer.NewClient(writer.DefaultConfig(srv.Addr()))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := c.ExecSQL(context.Background(), sql); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
}

// TestQueuedLogsAndTracesSurviveATableChange is issue #11's fault test 4
// with ack: on_queue. Logs and traces requests are acknowledged while
// GreptimeDB is down; before they drain, a user adds app_logs.host as
// STRING and widens the traces table's BIGINT attribute column to DOUBLE
// by SQL, so GreptimeDB refuses the queued rows (BIGINT into STRING and
// DOUBLE: mito's "expect type"). The drainer translates each refused
// request again from the request kept in its record and every
// acknowledged row is stored, as the table now wants it (the integer host
// as text, GreptimeDB's alignment of logs into an existing table,
// greptimedb-tables.md §7.3; retries as DOUBLE, §7.4); nothing is dropped.
// With restart, the bridge is stopped with the records queued and a new
// one replays them from disk.
func TestQueuedLogsAndTracesSurviveATableChange(t *testing.T) {
	for _, restart := range []bool{false, true} {
		name := "same process"
		if restart {
			name = "restart in between"
		}
		t.Run(name, func(t *testing.T) {
			srv := greptimetest.StartT(t, greptimetest.Options{})
			dir := t.TempDir()
			b := startBridge(t, srv, dir)
			const ts = 1_736_413_568_000_000_000
			logs := map[string]string{"X-Greptime-Log-Table-Name": "app_logs", "X-Greptime-Log-Extract-Keys": "host"}
			// The tables as the bridge creates them.
			b.send(t, "/v1/logs", logWithHost(ts, -1), logs)
			b.send(t, "/v1/traces", spanRetries(1, 3), nil)
			b.waitRows(t, srv, map[string]int{"app_logs": 1, "opentelemetry_traces": 1})

			srv.Stop()
			b.send(t, "/v1/logs", logWithHost(ts+1, 42), logs)
			b.send(t, "/v1/logs", logWithHost(ts+2, 43), logs)
			b.send(t, "/v1/traces", spanRetries(2, 4), nil)
			if restart {
				if err := b.stop(100 * time.Millisecond); err == nil || !strings.Contains(err.Error(), "3 records") {
					t.Fatalf("shutdown with GreptimeDB down: %v, want 3 records left in the queue", err)
				}
			}
			// GreptimeDB is back but still refuses writes into both
			// tables (their regions not ready) while a user alters them.
			for _, tbl := range []string{"app_logs", "opentelemetry_traces"} {
				srv.FailNext(1<<30, greptimetest.Fault{Table: tbl, Status: uint32(writer.StatusRegionNotReady), Retryable: true, Message: "region not ready"})
			}
			if err := srv.Restart(); err != nil {
				t.Fatal(err)
			}
			execSQL(t, srv, "ALTER TABLE app_logs ADD COLUMN host STRING")
			execSQL(t, srv, "ALTER TABLE opentelemetry_traces MODIFY COLUMN `span_attributes.retries` DOUBLE")
			srv.ClearFaults()
			if restart {
				b = startBridge(t, srv, dir)
			}
			b.waitRows(t, srv, map[string]int{"app_logs": 3, "opentelemetry_traces": 2})
			if err := b.stop(10 * time.Second); err != nil {
				t.Fatal(err)
			}

			var hosts []string
			ti, _ := srv.Table("public", "app_logs")
			for _, r := range srv.Rows("public", "app_logs") {
				for i, c := range ti.Columns {
					if c.Name == "host" {
						hosts = append(hosts, r[i].String())
					}
				}
			}
			if got := strings.Join(hosts, " "); got != `NULL STRING("42") STRING("43")` {
				t.Errorf("app_logs.host = %s, want NULL 42 43 (the integers stored as text)", got)
			}
			var retries []string
			ti, _ = srv.Table("public", "opentelemetry_traces")
			for _, r := range srv.Rows("public", "opentelemetry_traces") {
				for i, c := range ti.Columns {
					if c.Name == "span_attributes.retries" {
						retries = append(retries, r[i].String())
					}
				}
			}
			if got := strings.Join(retries, " "); got != "FLOAT64(3) FLOAT64(4)" {
				t.Errorf("span_attributes.retries = %s, want 3 4", got)
			}
			if d := b.metric(t, "bridge_queue_records_dropped_total"); d != 0 {
				t.Errorf("%v records dropped", d)
			}
			if r := b.metric(t, "bridge_queue_records_retranslated_total"); r != 3 {
				t.Errorf("%v records translated again, want 3", r)
			}
		})
	}
}

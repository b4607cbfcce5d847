package otlp_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/plog/plogotlp"

	"github.com/greptime-bridge/greptime-bridge/pipeline"
	"github.com/greptime-bridge/greptime-bridge/receivers/dbselect"
	"github.com/greptime-bridge/greptime-bridge/receivers/otlp"
	"github.com/greptime-bridge/greptime-bridge/writer"
	"github.com/greptime-bridge/greptime-bridge/writer/greptimetest"
	"github.com/greptime-bridge/greptime-bridge/writer/table"
)

// replica is one bridge (client, pipeline with the schema reader, OTLP
// receiver) in front of a shared test server; it shares nothing with
// other replicas, as two processes would not.
type replica struct {
	url  string
	stop func()
}

func startReplica(t *testing.T, srv *greptimetest.Server) *replica {
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
	r := otlp.New(otlp.Config{MaxRequestBytes: 1 << 20, MaxDecompressedBytes: 4 << 20, RetryAfter: time.Second, Schemas: p.Schemas()},
		p, nil, &dbselect.Selector{Default: "public"}, nil, otlp.NewMetrics(prometheus.NewRegistry()), nil)
	mux := http.NewServeMux()
	r.Register(mux)
	hs := httptest.NewServer(mux)
	stopped := false
	rep := &replica{url: hs.URL, stop: func() {
		if stopped {
			return
		}
		stopped = true
		hs.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = p.Shutdown(ctx)
		_ = c.Close()
	}}
	t.Cleanup(rep.stop)
	return rep
}

// oneLogAt is one log record at ts (ns) with a body, scope and attributes.
func oneLogAt(ts int64, body string, attrs map[string]any) plog.Logs {
	ld := plog.NewLogs()
	rl := ld.ResourceLogs().AppendEmpty()
	rl.Resource().Attributes().PutStr("service.name", "svc")
	sl := rl.ScopeLogs().AppendEmpty()
	sl.Scope().SetName("my-scope")
	lr := sl.LogRecords().AppendEmpty()
	lr.SetTimestamp(pcommon.Timestamp(ts))
	lr.Body().SetStr(body)
	for k, v := range attrs {
		switch v := v.(type) {
		case string:
			lr.Attributes().PutStr(k, v)
		case int:
			lr.Attributes().PutInt(k, int64(v))
		}
	}
	return ld
}

func sendLogs(t *testing.T, url, tableName, extract string, ld plog.Logs) (int, string) {
	t.Helper()
	pb, _ := plogotlp.NewExportRequestFromLogs(ld).MarshalProto()
	hdr := map[string]string{"X-Greptime-Log-Table-Name": tableName}
	if extract != "" {
		hdr["X-Greptime-Log-Extract-Keys"] = extract
	}
	resp, body := post(t, url+"/v1/logs", "application/x-protobuf", "", pb, hdr)
	return resp.StatusCode, string(body)
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

// TestLogsIntoTablesCreatedBySQL sends OTLP logs into log tables a user
// created by SQL before the bridge started, one per difference
// greptimedb-tables.md §7.3 names, and checks the rows and the table as
// GreptimeDB's own handler leaves them (http.rs around 7995–8138).
func TestLogsIntoTablesCreatedBySQL(t *testing.T) {
	srv := greptimetest.StartT(t, greptimetest.Options{})
	// Millisecond time index and scope_name as a FIELD.
	execSQL(t, srv, "CREATE TABLE ms_logs (timestamp TIMESTAMP(3) TIME INDEX, scope_name STRING, body STRING) WITH (append_mode = 'true')")
	// host an existing STRING field: an integer is stored as text.
	execSQL(t, srv, "CREATE TABLE str_logs (timestamp TIMESTAMP(9) TIME INDEX, host STRING, body STRING) WITH (append_mode = 'true')")
	// host a BIGINT tag: a string host is refused.
	execSQL(t, srv, "CREATE TABLE int_logs (timestamp TIMESTAMP(9) TIME INDEX, host BIGINT, body STRING, PRIMARY KEY (host)) WITH (append_mode = 'true')")
	b := startReplica(t, srv)
	const ts = 1_736_413_568_497_632_000

	t.Run("timestamp unit and roles kept, missing built-ins added as fields", func(t *testing.T) {
		if code, body := sendLogs(t, b.url, "ms_logs", "", oneLogAt(ts, "hello", nil)); code != 200 {
			t.Fatalf("%d %s", code, body)
		}
		ti, _ := srv.Table("public", "ms_logs")
		created := map[string]bool{"timestamp": true, "scope_name": true, "body": true}
		for _, c := range ti.Columns {
			switch {
			case c.Name == "timestamp" && (c.Type != table.TimestampMillisecond || c.Semantic != table.Timestamp):
				t.Errorf("timestamp became %s %s", c.Semantic, c.Type)
			case c.Name == "scope_name" && c.Semantic != table.Field:
				t.Errorf("scope_name became %s", c.Semantic)
			case !created[c.Name] && c.Semantic != table.Field:
				t.Errorf("added column %s is %s, want FIELD", c.Name, c.Semantic)
			}
		}
		if len(ti.Columns) != 14 {
			t.Errorf("%d columns, want the 14 built-ins: %v", len(ti.Columns), ti.Columns)
		}
		rows := srv.Rows("public", "ms_logs")
		if len(rows) != 1 {
			t.Fatalf("%d rows", len(rows))
		}
		if v, _ := rows[0][0].AsInt64(); v != 1_736_413_568_497 {
			t.Errorf("timestamp %d, want 1736413568497 (ns truncated to ms)", v)
		}
		if v, _ := rows[0][1].AsString(); v != "my-scope" {
			t.Errorf("scope_name %q", v)
		}
	})

	t.Run("extract key into an existing string field", func(t *testing.T) {
		if code, body := sendLogs(t, b.url, "str_logs", "host", oneLogAt(ts, "x", map[string]any{"host": 42})); code != 200 {
			t.Fatalf("%d %s", code, body)
		}
		ti, _ := srv.Table("public", "str_logs")
		if c, _ := ti.Column("host"); c.Type != table.String || c.Semantic != table.Field {
			t.Errorf("host became %s %s", c.Semantic, c.Type)
		}
		rows := srv.Rows("public", "str_logs")
		if v, _ := rows[0][1].AsString(); len(rows) != 1 || v != "42" {
			t.Errorf("host stored %v", rows)
		}
	})

	t.Run("refused request leaves the table unchanged", func(t *testing.T) {
		before, _ := srv.Table("public", "int_logs")
		code, body := sendLogs(t, b.url, "int_logs", "host,zone", oneLogAt(ts, "x", map[string]any{"host": "web-1", "zone": "z"}))
		if code != 400 || !strings.Contains(body, "failed to align log column 'host'") {
			t.Fatalf("%d %s, want 400 naming the column", code, body)
		}
		after, _ := srv.Table("public", "int_logs")
		if len(after.Columns) != len(before.Columns) || srv.RowCount("public", "int_logs") != 0 {
			t.Errorf("table changed by a refused request: %v → %v", before.Columns, after.Columns)
		}
	})
}

// tableState is what a sequence of requests leaves: each table's columns
// and rows, printed.
func tableState(srv *greptimetest.Server) string {
	var b strings.Builder
	for _, name := range srv.Tables("public") {
		ti, _ := srv.Table("public", name)
		b.WriteString(name + ":")
		for _, c := range ti.Columns {
			b.WriteString(" " + c.Name + "/" + c.Type.String() + "/" + c.Semantic.String())
		}
		b.WriteString("\n")
		for _, r := range srv.Rows("public", name) {
			for _, v := range r {
				b.WriteString(" " + v.String())
			}
			b.WriteString("\n")
		}
	}
	return b.String()
}

// TestReplicasAndRestartsAgree sends the same requests through one
// long-lived bridge, through two replicas alternately, and through a
// bridge restarted between requests, each against a fresh server holding a
// user-created log table: every run must leave the same tables, columns
// and rows.
func TestReplicasAndRestartsAgree(t *testing.T) {
	const ts = 1_736_413_568_000_000_000
	reqs := []struct {
		extract string
		ld      plog.Logs
	}{
		{"", oneLogAt(ts, "first", map[string]any{"host": "a"})},
		{"host", oneLogAt(ts+1e6, "second", map[string]any{"host": 7})},
		{"host,region", oneLogAt(ts+2e6, "third", map[string]any{"host": "b", "region": "eu"})},
		{"region", oneLogAt(ts+3e6, "fourth", map[string]any{"region": 3})},
	}
	run := func(t *testing.T, pick func(i int, srv *greptimetest.Server) string) string {
		srv := greptimetest.StartT(t, greptimetest.Options{})
		execSQL(t, srv, "CREATE TABLE app_logs (timestamp TIMESTAMP(3) TIME INDEX, scope_name STRING, host STRING, body STRING) WITH (append_mode = 'true')")
		for i, r := range reqs {
			if code, body := sendLogs(t, pick(i, srv), "app_logs", r.extract, r.ld); code != 200 {
				t.Fatalf("request %d: %d %s", i, code, body)
			}
		}
		return tableState(srv)
	}
	var one *replica
	want := run(t, func(_ int, srv *greptimetest.Server) string {
		if one == nil {
			one = startReplica(t, srv)
		}
		return one.url
	})
	var pair [2]*replica
	replicas := run(t, func(i int, srv *greptimetest.Server) string {
		if pair[0] == nil {
			pair[0], pair[1] = startReplica(t, srv), startReplica(t, srv)
		}
		return pair[i%2].url
	})
	var cur *replica
	restarted := run(t, func(_ int, srv *greptimetest.Server) string {
		if cur != nil {
			cur.stop()
		}
		cur = startReplica(t, srv)
		return cur.url
	})
	if replicas != want {
		t.Errorf("two replicas:\n%s\none bridge:\n%s", replicas, want)
	}
	if restarted != want {
		t.Errorf("restarted bridge:\n%s\none bridge:\n%s", restarted, want)
	}
	if !strings.Contains(want, "region/") {
		t.Errorf("the requests did not add the extract key column:\n%s", want)
	}
}

package e2e

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/plog/plogotlp"

	"github.com/greptime-bridge/greptime-bridge/writer"
	"github.com/greptime-bridge/greptime-bridge/writer/greptimetest"
)

// replicaLog is one OTLP log request: a record at ts (ns) whose attributes
// feed the extract keys.
type replicaLog struct {
	ts      int64
	extract string
	attrs   map[string]any
}

func (r replicaLog) body() []byte {
	ld := plog.NewLogs()
	rl := ld.ResourceLogs().AppendEmpty()
	rl.Resource().Attributes().PutStr("service.name", "svc")
	sl := rl.ScopeLogs().AppendEmpty()
	sl.Scope().SetName("scope")
	lr := sl.LogRecords().AppendEmpty()
	lr.SetTimestamp(pcommon.Timestamp(r.ts))
	lr.Body().SetStr("log")
	for k, v := range r.attrs {
		switch v := v.(type) {
		case string:
			lr.Attributes().PutStr(k, v)
		case int:
			lr.Attributes().PutInt(k, int64(v))
		}
	}
	b, _ := plogotlp.NewExportRequestFromLogs(ld).MarshalProto()
	return b
}

// TestBridgeProcessesAgreeOnExistingTables runs the same OTLP log requests
// into a table a user created by SQL through one bridge process, through
// two bridge processes alternately, and through a bridge process
// restarted between requests, each against its own test server: every run
// leaves the same columns and rows (issue #9).
func TestBridgeProcessesAgreeOnExistingTables(t *testing.T) {
	const ts = 1_736_413_568_123_456_789
	reqs := []replicaLog{
		{ts, "", map[string]any{"host": "a"}},
		{ts + 1e6, "host", map[string]any{"host": 7}},
		{ts + 2e6, "host,region", map[string]any{"host": "b", "region": "eu"}},
		{ts + 3e6, "region", map[string]any{"region": 3}},
	}
	run := func(t *testing.T, pick func(i int, srv *greptimetest.Server) *bridge) string {
		srv := greptimetest.StartT(t, greptimetest.Options{})
		c, err := writer.NewClient(writer.DefaultConfig(srv.Addr()))
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if _, err := c.ExecSQL(ctx, "CREATE TABLE app_logs (timestamp TIMESTAMP(3) TIME INDEX, scope_name STRING, host STRING, body STRING) WITH (append_mode = 'true')"); err != nil {
			t.Fatal(err)
		}
		for i, r := range reqs {
			b := pick(i, srv)
			req, _ := http.NewRequest(http.MethodPost, "http://"+b.HTTP+"/v1/logs", bytes.NewReader(r.body()))
			req.Header.Set("Content-Type", "application/x-protobuf")
			req.Header.Set("X-Greptime-Log-Table-Name", "app_logs")
			if r.extract != "" {
				req.Header.Set("X-Greptime-Log-Extract-Keys", r.extract)
			}
			resp, err := httpClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != 200 {
				t.Fatalf("request %d: %d %s", i, resp.StatusCode, body)
			}
		}
		rows, err := c.QueryRows(ctx, "SELECT * FROM app_logs ORDER BY timestamp")
		if err != nil {
			t.Fatal(err)
		}
		var s strings.Builder
		for _, col := range rows.Columns {
			ci, _ := srv.Table("public", "app_logs")
			cc, _ := ci.Column(col.Name)
			s.WriteString(col.Name + "/" + col.Type.String() + "/" + cc.Semantic.String() + " ")
		}
		for _, r := range rows.Values {
			s.WriteString("\n")
			for _, v := range r {
				s.WriteString(v.String() + " ")
			}
		}
		return s.String()
	}
	var one *bridge
	want := run(t, func(_ int, srv *greptimetest.Server) *bridge {
		if one == nil {
			one = startBridgeAgainst(t, srv.Addr())
		}
		return one
	})
	var pair [2]*bridge
	two := run(t, func(i int, srv *greptimetest.Server) *bridge {
		if pair[0] == nil {
			pair[0], pair[1] = startBridgeAgainst(t, srv.Addr()), startBridgeAgainst(t, srv.Addr())
		}
		return pair[i%2]
	})
	var cur *bridge
	restarted := run(t, func(_ int, srv *greptimetest.Server) *bridge {
		if cur != nil {
			cur.stop(t)
		}
		cur = startBridgeAgainst(t, srv.Addr())
		return cur
	})
	if two != want {
		t.Errorf("two bridge processes:\n%s\none bridge:\n%s", two, want)
	}
	if restarted != want {
		t.Errorf("bridge restarted between requests:\n%s\none bridge:\n%s", restarted, want)
	}
	if !strings.Contains(want, "region/STRING/FIELD") || !strings.Contains(want, "TIMESTAMP_MILLISECOND(1736413568123)") {
		t.Errorf("unexpected table:\n%s", want)
	}
}

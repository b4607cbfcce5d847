package main

import (
	"fmt"
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

// TestOnQueueTranslatesAgainAfterATableChange runs the bridge with ack:
// on_queue as main wires it: a log whose integer host is queued for the
// table's BIGINT host column while GreptimeDB refuses writes into the
// table, then a user modifies host to STRING by SQL; once writes succeed
// the drainer, refused, has the OTLP
// receiver translate the kept request again, and the row is stored with
// host as text. The bridge's shutdown drains the queue before the rows are
// counted.
func TestOnQueueTranslatesAgainAfterATableChange(t *testing.T) {
	srv := greptimetest.StartT(t, greptimetest.Options{})
	execBridgeSQL(t, srv, "CREATE TABLE app_logs (timestamp TIMESTAMP(9) TIME INDEX, body STRING, host BIGINT) WITH (append_mode = 'true')")
	var b *bridge
	// Registered before the bridge's own cleanup, so it runs after the
	// bridge shut down (and drained).
	t.Cleanup(func() {
		rows := srv.Rows("public", "app_logs")
		ti, _ := srv.Table("public", "app_logs")
		var hosts []string
		for _, r := range rows {
			for i, c := range ti.Columns {
				if c.Name == "host" {
					hosts = append(hosts, r[i].String())
				}
			}
		}
		if got := strings.Join(hosts, " "); got != `STRING("42")` {
			t.Errorf("app_logs.host = %q, want the one row with 42 as text", got)
		}
		if logs := b.logs.String(); !strings.Contains(logs, "translated again and written") || strings.Contains(logs, "dropped") {
			t.Errorf("the log does not show the record translated again, or shows it dropped:\n%s", logs)
		}
	})
	srv.FailNext(1<<30, greptimetest.Fault{Table: "app_logs", Status: uint32(writer.StatusRegionNotReady), Retryable: true, Message: "region not ready"})
	b = startBridge(t, fmt.Sprintf(`greptimedb: {endpoints: [%q]}
queue: {ack: on_queue, dir: %q}
pipeline: {retry: {initial_backoff: 5ms, max_backoff: 20ms}, shutdown_timeout: 20s}
`, srv.Addr(), t.TempDir()))

	ld := plog.NewLogs()
	lr := ld.ResourceLogs().AppendEmpty().ScopeLogs().AppendEmpty().LogRecords().AppendEmpty()
	lr.SetTimestamp(pcommon.Timestamp(time.Second))
	lr.Body().SetStr("hello")
	lr.Attributes().PutInt("host", 42)
	pb, _ := plogotlp.NewExportRequestFromLogs(ld).MarshalProto()
	req, _ := http.NewRequest(http.MethodPost, "http://"+b.httpAddr+"/v1/logs", strings.NewReader(string(pb)))
	req.Header.Set("Content-Type", "application/x-protobuf")
	req.Header.Set("X-Greptime-Log-Table-Name", "app_logs")
	req.Header.Set("X-Greptime-Log-Extract-Keys", "host")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("logs answered %d", resp.StatusCode)
	}
	execBridgeSQL(t, srv, "ALTER TABLE app_logs MODIFY COLUMN host STRING")
	srv.ClearFaults()
}

func execBridgeSQL(t *testing.T, srv *greptimetest.Server, sql string) {
	t.Helper()
	c, err := writer.NewClient(writer.DefaultConfig(srv.Addr()))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := c.ExecSQL(t.Context(), sql); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
}

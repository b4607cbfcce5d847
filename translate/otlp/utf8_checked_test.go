package otlp

import (
	"context"
	"encoding/binary"
	"math"
	"strings"
	"testing"

	"go.opentelemetry.io/collector/pdata/plog"

	"github.com/greptime-bridge/greptime-bridge/translate"
	"github.com/greptime-bridge/greptime-bridge/writer/errs"
	"github.com/greptime-bridge/greptime-bridge/writer/table"
)

// TestPointAttrUTF8 holds point attribute values, which the wire path
// checks as UTF-8 per column after each metric, to what GreptimeDB's
// decoder refuses: an invalid value anywhere, also one a later attribute of the
// same name replaces (never written) or one in a histogram point, is a
// permanent error naming the attribute, on the wire path as on pdata's;
// a valid request's string columns come out marked checked, so the writer
// skips its own pass.
func TestPointAttrUTF8(t *testing.T) {
	res := pbLen(nil, 1, pbKV("service.name", "svc"))
	point := func(kvs ...[]byte) []byte {
		var p []byte
		for _, kv := range kvs {
			p = pbLen(p, 7, kv) // NumberDataPoint.attributes
		}
		return pbF64(p, 3, 1_700_000_000_000_000_000) // time_unix_nano
	}
	// HistogramDataPoint.bucket_counts (6) and explicit_bounds (7), packed.
	buckets := pbLen(pbLen(nil, 6, binary.LittleEndian.AppendUint64(binary.LittleEndian.AppendUint64(nil, 1), 2)), 7, binary.LittleEndian.AppendUint64(nil, math.Float64bits(0.5)))
	hist := pbMetrics(res, pbLen(pbStr(nil, 1, "h"), 9, pbLen(nil, 1, pbHistPoint(pbLen(nil, 9, pbKV("route", "/a\xff")))))) // Histogram.data_points
	for _, tc := range []struct {
		name string
		body []byte
		bad  string // the attribute named in the error; "" when valid
	}{
		{"valid", pbMetrics(res, pbGauge("up", point(pbKV("route", "/a"), pbKV("code", "200")))), ""},
		{"invalid value", pbMetrics(res, pbGauge("up", point(pbKV("route", "/a"), pbKV("code", "2\xc3")))), "code"},
		{"second point", pbMetrics(res, pbLen(pbStr(nil, 1, "up"), 5, pbLen(pbLen(nil, 1, point(pbKV("code", "200"))), 1, point(pbKV("code", "\xed\xa0\x80"))))), "code"}, // Metric.gauge, two data_points
		{"replaced invalid value", pbMetrics(res, pbGauge("up", point(pbKV("code", "\xff"), pbKV("code", "200")))), "code"},
		{"histogram point", hist, "route"},
		{"attribute named le", pbMetrics(res, pbLen(pbStr(nil, 1, "h"), 9, pbLen(nil, 1, pbHistPoint(append(buckets, pbLen(nil, 9, pbKV("le", "\xff"))...))))), "le"}, // replaced by each bucket's le
		{"first of two metrics", pbMetrics(res, pbGauge("up", point(pbKV("code", "\xff"))), pbGauge("down", point(pbKV("code", "200")))), "code"},
		{"second metric of one table", pbMetrics(res, pbGauge("up", point(pbKV("code", "200"))), pbGauge("up", point(pbKV("code", "2\xff")))), "code"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := NewConverter()
			diffMetrics(t, c, tc.body, translate.DefaultDatabaseOptions(), RequestOptions{})
			c.Reset()
			out := &translate.Output{}
			_, err := c.MetricsProto(context.Background(), tc.body, translate.DefaultDatabaseOptions(), &RequestOptions{}, out)
			if tc.bad != "" {
				if err == nil || !errs.IsPermanent(err) || !strings.Contains(err.Error(), "utf-8") || !strings.Contains(err.Error(), `"`+tc.bad+`"`) {
					t.Fatalf("error = %v, want a permanent utf-8 error naming %q", err, tc.bad)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			strs := 0
			for _, b := range out.Batches {
				for _, col := range b.Columns() {
					if col.Type != table.String {
						continue
					}
					strs++
					if !col.UTF8Checked {
						t.Errorf("table %s column %s not marked checked", b.Table, col.Name)
					}
				}
			}
			if strs == 0 {
				t.Fatal("no string column")
			}
		})
	}
}

// TestLogColumnsMarkedValid: the log table's STRING and JSON columns come
// out marked UTF8Checked, so the writer skips its scan, and every marked
// column is valid UTF-8, also where a record's attribute, map key or
// non-string body carries invalid bytes (rendered as U+FFFD).
func TestLogColumnsMarkedValid(t *testing.T) {
	ld := plog.NewLogs()
	rl := ld.ResourceLogs().AppendEmpty()
	rl.Resource().Attributes().PutStr("service.name", "svc\xff")
	sl := rl.ScopeLogs().AppendEmpty()
	sl.Scope().SetName("scope")
	r := sl.LogRecords().AppendEmpty()
	r.SetTimestamp(1_700_000_000_000_000_000)
	r.Body().SetEmptyMap().PutStr("k\xfe", "v\xff")
	r.Attributes().PutStr("a", "x\xffy")
	r.Attributes().PutEmptySlice("s").AppendEmpty().SetStr("\xc3")
	body, err := (&plog.ProtoMarshaler{}).MarshalLogs(ld)
	if err != nil {
		t.Fatal(err)
	}
	c := NewConverter()
	if !diffLogs(t, c, body, RequestOptions{}) {
		t.Fatal("not on the wire path")
	}
	out := &translate.Output{}
	c.Reset()
	if _, err := c.LogsProto(context.Background(), body, &RequestOptions{}, out); err != nil {
		t.Fatal(err)
	}
	marked := 0
	for _, b := range out.Batches {
		for _, col := range b.Columns() {
			if col.Type != table.String && col.Type != table.JSON {
				continue
			}
			if !col.UTF8Checked {
				t.Errorf("column %s not marked", col.Name)
				continue
			}
			marked++
			if r := col.FirstInvalidUTF8(); r >= 0 {
				v, _ := col.Binary(r)
				t.Errorf("column %s marked checked holds invalid %q", col.Name, v)
			}
		}
	}
	if marked != 11 {
		t.Errorf("%d columns marked, want the log table's 11 STRING and JSON columns", marked)
	}
}

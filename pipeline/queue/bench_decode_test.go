package queue

import (
	"context"
	"testing"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/plog/plogotlp"

	"github.com/greptime-bridge/greptime-bridge/translate"
	totlp "github.com/greptime-bridge/greptime-bridge/translate/otlp"
)

// TelemetrygenLogs is an OTLP logs request (protobuf) of n records shaped
// as telemetrygen's: resource service.name, body "the message", severity
// Info, trace and span ids, attribute app=server. Exported for the
// package's external tests.
func TelemetrygenLogs(n int) []byte {
	ld := plog.NewLogs()
	rl := ld.ResourceLogs().AppendEmpty()
	rl.Resource().Attributes().PutStr("service.name", "telemetrygen")
	sl := rl.ScopeLogs().AppendEmpty()
	for i := range n {
		r := sl.LogRecords().AppendEmpty()
		r.SetTimestamp(pcommon.Timestamp(1_700_000_000_000_000_000 + int64(i)))
		r.SetSeverityText("Info")
		r.SetSeverityNumber(plog.SeverityNumberInfo)
		r.SetTraceID(pcommon.TraceID{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, byte(i)})
		r.SetSpanID(pcommon.SpanID{1, 2, 3, 4, 5, 6, 7, byte(i)})
		r.Body().SetStr("the message")
		r.Attributes().PutStr("app", "server")
	}
	pb, _ := plogotlp.NewExportRequestFromLogs(ld).MarshalProto()
	return pb
}

// BenchmarkDrainDecodeOrTranslate weighs what a drainer spends per queued
// telemetrygen-shaped logs request of 100 records: decoding the batches
// kept in the record, or translating the request kept in it.
func BenchmarkDrainDecodeOrTranslate(b *testing.B) {
	body := TelemetrygenLogs(100)
	c := totlp.NewConverter()
	var out translate.Output
	if _, err := c.LogsProto(context.Background(), body, &totlp.RequestOptions{}, &out); err != nil {
		b.Fatal(err)
	}
	rec := appendRecord(nil, &out, nil, 1)
	b.Run("decode", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			out.Reset()
			if err := decodeRecord(rec, &out); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(len(rec)), "stored-bytes")
	})
	b.Run("translate", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			out.Reset()
			c.Reset()
			if _, err := c.LogsProto(context.Background(), body, &totlp.RequestOptions{}, &out); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(len(body)), "stored-bytes")
	})
}

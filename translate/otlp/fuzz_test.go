package otlp

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/greptime-bridge/greptime-bridge/translate"
	"github.com/greptime-bridge/greptime-bridge/writer/errs"
)

// addSeeds adds the captured protobuf fixtures of a signal as fuzz seeds.
func addSeeds(f *testing.F, pattern string) {
	m, _ := filepath.Glob(filepath.Join("testdata", pattern))
	for _, p := range m {
		if data, err := os.ReadFile(p); err == nil {
			f.Add(data)
		}
	}
}

// checkOutput fails when a translation that succeeded produced an invalid
// batch: bad input may be refused, never turned into a malformed insert.
func checkOutput(t *testing.T, out *translate.Output) {
	for _, b := range out.Batches {
		if err := b.Validate(); err != nil {
			t.Fatalf("invalid batch from accepted input: %v", err)
		}
	}
}

// checkResult fails when a refusal is not bad data (the receivers would
// answer 503 and the sender resend it forever) or an accepted translation
// produced an invalid batch.
func checkResult(t *testing.T, err error, out *translate.Output) {
	if err != nil {
		if !errs.IsPermanent(err) {
			t.Fatalf("refused with a retryable error: %v", err)
		}
		return
	}
	checkOutput(t, out)
}

// FuzzMetrics decodes arbitrary bytes as the receiver does and translates
// whatever decodes, in both metric modes: no panic, no invalid batch; and
// under small shape limits, which may only refuse (checkLimited).
func FuzzMetrics(f *testing.F) {
	addSeeds(f, "telemetrygen_metrics_*.pb")
	f.Fuzz(func(t *testing.T, data []byte) {
		md, err := (&pmetric.ProtoUnmarshaler{}).UnmarshalMetrics(data)
		if err != nil {
			return
		}
		for _, mode := range []translate.OTLPMetricMode{translate.OTLPMetricProm, translate.OTLPMetricLegacy} {
			db := translate.DefaultDatabaseOptions()
			db.OTLPMetricMode = mode
			checkLimited(t, func(lim translate.Limits) (string, error) {
				out := &translate.Output{}
				opts := &RequestOptions{PromoteScopeAttrs: true, ConvertExponentialHistograms: true, Limits: lim}
				err := NewConverter().Metrics(context.Background(), md, db, opts, out)
				checkResult(t, err, out)
				return dumpOutput(out), err
			})
		}
	})
}

// FuzzLogs is FuzzMetrics for logs, with extract keys.
func FuzzLogs(f *testing.F) {
	addSeeds(f, "telemetrygen_logs.pb")
	f.Fuzz(func(t *testing.T, data []byte) {
		ld, err := (&plog.ProtoUnmarshaler{}).UnmarshalLogs(data)
		if err != nil {
			return
		}
		checkLimited(t, func(lim translate.Limits) (string, error) {
			out := &translate.Output{}
			err := NewConverter().Logs(context.Background(), ld, &RequestOptions{LogExtractKeys: []string{"app", "service.name"}, Limits: lim}, out)
			checkResult(t, err, out)
			return dumpOutput(out), err
		})
	})
}

// FuzzTraces is FuzzMetrics for traces, which have no wire path, with and
// without small shape limits; it also requires refusals to be bad data and
// every span to be written or counted as rejected.
func FuzzTraces(f *testing.F) {
	addSeeds(f, "telemetrygen_traces.pb")
	f.Fuzz(func(t *testing.T, data []byte) {
		td, err := (&ptrace.ProtoUnmarshaler{}).UnmarshalTraces(data)
		if err != nil {
			return
		}
		checkLimited(t, func(lim translate.Limits) (string, error) {
			out := &translate.Output{}
			if err := NewConverter().Traces(context.Background(), td, &RequestOptions{Limits: lim}, out); err != nil {
				if !errs.IsPermanent(err) {
					t.Fatalf("refused traces with a retryable error: %v", err)
				}
				return "", err
			}
			checkOutput(t, out)
			// Every span is written or counted as rejected, never lost.
			rows := 0
			if b, ok := out.Lookup("", DefaultTraceTable); ok {
				rows = b.Rows()
			}
			if rows+out.Dropped[DropSpanRejected] != td.SpanCount() {
				t.Fatalf("%d rows + %d rejected != %d spans", rows, out.Dropped[DropSpanRejected], td.SpanCount())
			}
			return dumpOutput(out), nil
		})
	})
}

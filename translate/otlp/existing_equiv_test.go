package otlp

import (
	"context"
	"testing"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/greptime-bridge/greptime-bridge/translate"
)

// TestKnownTableSameOutput: once GreptimeDB holds the tables a request
// created, translating the request again with that knowledge gives the
// same batches (§7.3, §7.4 change nothing for a table of the request's own
// layout), on the fast paths and on the aligned/planned ones.
func TestKnownTableSameOutput(t *testing.T) {
	mixed := spansWith(
		func(m pcommon.Map) { m.PutStr("n", "12"); m.PutInt("x", 1); m.PutStr("server.port", "8080") },
		func(m pcommon.Map) { m.PutInt("n", 5); m.PutDouble("x", 2.5) },
		func(m pcommon.Map) { m.PutStr("n", "not-a-number") },
	)
	cases := []struct {
		name string
		run  func(*Converter, *RequestOptions, *translate.Output) error
		opts RequestOptions
	}{
		{"logs", logsRun(sampleLogs()), RequestOptions{}},
		{"logs extract keys", logsRun(sampleLogs()), RequestOptions{LogExtractKeys: []string{"service.name", "b"}}},
		{"logs bench", logsRun(benchLogs(20)), RequestOptions{LogExtractKeys: []string{"attempt"}}},
		{"traces jaeger", tracesRun(jaegerTraces()), RequestOptions{}},
		{"traces bench", tracesRun(benchTraces(20)), RequestOptions{}},
		{"traces mixed types", tracesRun(mixed), RequestOptions{}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			first := &translate.Output{}
			opts := tc.opts
			if err := tc.run(NewConverter(), &opts, first); err != nil {
				t.Fatal(err)
			}
			opts.Schema = knownFrom(first)
			again := &translate.Output{}
			if err := tc.run(NewConverter(), &opts, again); err != nil {
				t.Fatal(err)
			}
			if a, b := dumpOutput(first), dumpOutput(again); a != b {
				t.Errorf("with the known schema:\n%s\nwithout:\n%s", b, a)
			}
		})
	}
}

func logsRun(ld plog.Logs) func(*Converter, *RequestOptions, *translate.Output) error {
	return func(c *Converter, o *RequestOptions, out *translate.Output) error {
		return c.Logs(context.Background(), ld, o, out)
	}
}

func tracesRun(td ptrace.Traces) func(*Converter, *RequestOptions, *translate.Output) error {
	return func(c *Converter, o *RequestOptions, out *translate.Output) error {
		return c.Traces(context.Background(), td, o, out)
	}
}

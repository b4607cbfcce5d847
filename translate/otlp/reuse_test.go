package otlp

import (
	"context"
	"testing"

	"github.com/greptime-bridge/greptime-bridge/translate"
)

// TestConverterReuse: a pooled converter and output, reused across
// requests, signals, modes and strategies, give exactly what fresh ones
// give — the name caches, memos and cached column indexes never leak.
func TestConverterReuse(t *testing.T) {
	legacy := translate.DefaultDatabaseOptions()
	legacy.OTLPMetricMode = translate.OTLPMetricLegacy
	steps := []struct {
		name string
		run  func(*Converter, *translate.Output) error
	}{
		{"claude prom", func(c *Converter, o *translate.Output) error {
			return c.Metrics(context.Background(), claudeMetrics(), translate.DefaultDatabaseOptions(), nil, o)
		}},
		{"histogram legacy", func(c *Converter, o *translate.Output) error {
			return c.Metrics(context.Background(), histogramMetrics(), legacy, nil, o)
		}},
		{"claude NoTranslation", func(c *Converter, o *translate.Output) error {
			return c.Metrics(context.Background(), claudeMetrics(), translate.DefaultDatabaseOptions(), &RequestOptions{Strategy: NoTranslation}, o)
		}},
		{"logs", func(c *Converter, o *translate.Output) error {
			return c.Logs(context.Background(), sampleLogs(), &RequestOptions{LogExtractKeys: []string{"service.name"}}, o)
		}},
		{"traces", func(c *Converter, o *translate.Output) error {
			return c.Traces(context.Background(), jaegerTraces(), nil, o)
		}},
		{"claude prom again", func(c *Converter, o *translate.Output) error {
			return c.Metrics(context.Background(), claudeMetrics(), translate.DefaultDatabaseOptions(), nil, o)
		}},
	}
	pooled, pooledOut := NewConverter(), &translate.Output{}
	for _, s := range steps {
		fresh := &translate.Output{}
		if err := s.run(NewConverter(), fresh); err != nil {
			t.Fatalf("%s fresh: %v", s.name, err)
		}
		pooled.Reset()
		pooledOut.Reset()
		if err := s.run(pooled, pooledOut); err != nil {
			t.Fatalf("%s pooled: %v", s.name, err)
		}
		if a, b := dumpOutput(fresh), dumpOutput(pooledOut); a != b {
			t.Errorf("%s: pooled output differs\n--- fresh\n%s\n--- pooled\n%s", s.name, a, b)
		}
	}
}

// TestAbsentResource: pdata decodes an absent resource or scope as an empty
// one, so logs get {} and "" where GreptimeDB (which sees the absence)
// writes JSON null and NULL — a documented divergence; traces get no
// service_name column and no auxiliary tables.
func TestAbsentResource(t *testing.T) {
	out := translateFixture(t, "testdata/logs_hand.json")
	b := mustBatch(t, out, "app_logs")
	last := b.Rows() - 1
	if got := str(t, b, "resource_attributes", last); got != "{}" {
		t.Errorf("absent resource attributes %q", got)
	}
	if got := str(t, b, "scope_name", last); got != "" {
		t.Errorf("absent scope name %q", got)
	}
}

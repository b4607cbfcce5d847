package pipeline_test

import (
	"testing"

	"github.com/greptime-bridge/greptime-bridge/config"
	"github.com/greptime-bridge/greptime-bridge/pipeline"
)

// TestDefaultsMatchConfig: a pipeline built from DefaultConfig behaves as
// the bridge's default configuration makes it (config cannot import the
// pipeline, so the numbers are written twice and held equal here).
func TestDefaultsMatchConfig(t *testing.T) {
	d, c := pipeline.DefaultConfig(), config.Default().Pipeline
	if d.Workers != c.Workers || d.FlushInterval != c.FlushInterval || d.MaxBatchRows != c.MaxBatchRows ||
		int64(d.MaxBatchBytes) != c.MaxBatchBytes || d.BulkThresholdRows != c.BulkThresholdRows ||
		d.Retry.MaxAttempts != c.Retry.MaxAttempts || d.Retry.InitialBackoff != c.Retry.InitialBackoff ||
		d.Retry.MaxBackoff != c.Retry.MaxBackoff || d.Mode != pipeline.ModeAuto || c.Mode != config.PipelineModeAuto {
		t.Errorf("pipeline.DefaultConfig() %+v disagrees with config.Default().Pipeline %+v", d, c)
	}
	if d.WriteTimeout != config.Default().GreptimeDB.Timeout {
		t.Errorf("write timeout %v, configuration's greptimedb.timeout %v", d.WriteTimeout, config.Default().GreptimeDB.Timeout)
	}
}

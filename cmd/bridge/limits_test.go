package main

import (
	"testing"

	"github.com/greptime-bridge/greptime-bridge/config"
	"github.com/greptime-bridge/greptime-bridge/translate"
)

// TestDefaultShapeLimits holds translate.DefaultLimits (used by the
// translators' benchmarks) equal to the configured defaults, and checks
// that every limits.shape field reaches the remote-write options.
func TestDefaultShapeLimits(t *testing.T) {
	cfg := config.Default()
	if got, want := shapeLimits(cfg), translate.DefaultLimits(); got != want {
		t.Errorf("config defaults %+v, translate.DefaultLimits %+v", got, want)
	}
	cfg.Limits.Shape = config.Shape{
		MaxLabelsPerSeries: 1, MaxLabelNameLength: 2, MaxLabelValueLength: 3,
		MaxSeriesPerRequest: 4, MaxAttributesPerItem: 5, MaxAttributeValueBytes: 6,
	}
	o, err := promOptions(cfg)
	if err != nil {
		t.Fatal(err)
	}
	oo, err := otlpDefaults(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if oo.Limits.MaxAttributesPerItem != 5 || oo.Limits.MaxAttributeValueBytes != 6 {
		t.Errorf("OTLP limits %+v", oo.Limits)
	}
	if want := (translate.Limits{MaxLabelsPerSeries: 1, MaxLabelNameLength: 2, MaxLabelValueLength: 3, MaxSeriesPerRequest: 4}); o.Limits.MaxLabelsPerSeries != 1 || o.Limits.MaxLabelNameLength != 2 || o.Limits.MaxLabelValueLength != 3 || o.Limits.MaxSeriesPerRequest != 4 {
		t.Errorf("remote-write limits %+v, want %+v", o.Limits, want)
	}
}

package main

import (
	"strings"
	"testing"

	"github.com/greptime-bridge/greptime-bridge/config"
	"github.com/greptime-bridge/greptime-bridge/translate/prom"
)

// TestWiringHasNoSilentFallbacks: every value Validate accepts maps to an
// option, and a value it would refuse stops the wiring with the field's
// path instead of quietly becoming a default.
func TestWiringHasNoSilentFallbacks(t *testing.T) {
	cfg := config.Default()
	if _, err := bulkOptions(cfg); err != nil {
		t.Fatal(err)
	}
	if _, err := otlpDefaults(cfg); err != nil {
		t.Fatal(err)
	}
	for _, v := range []string{"sanitize", "reject"} {
		c := cfg
		c.Translate.LabelNames = v
		if _, err := promOptions(c); err != nil {
			t.Errorf("label_names %q: %v", v, err)
		}
	}
	c := cfg
	c.Translate.LabelValueUTF8, c.Translate.NativeHistograms = "lossy", "classic"
	o, err := promOptions(c)
	if err != nil || o.UTF8 != prom.UTF8Lossy || o.NativeHistograms != prom.NativeHistogramsClassic {
		t.Errorf("lossy/classic: %+v %v", o, err)
	}
	for _, bad := range []struct {
		path string
		set  func(*config.Config)
		wire func(config.Config) error
	}{
		{"greptimedb.bulk_compression", func(c *config.Config) { c.GreptimeDB.BulkCompression = "snappy" },
			func(c config.Config) error { _, err := bulkOptions(c); return err }},
		{"greptimedb.compression", func(c *config.Config) { c.GreptimeDB.Compression = "br" },
			func(c config.Config) error { _, err := newClient(c); return err }},
		{"translate.label_value_utf8", func(c *config.Config) { c.Translate.LabelValueUTF8 = "loose" },
			func(c config.Config) error { _, err := promOptions(c); return err }},
		{"translate.exponential_histograms", func(c *config.Config) { c.Translate.ExponentialHistograms = "keep" },
			func(c config.Config) error { _, err := otlpDefaults(c); return err }},
		{"translate.otlp_translation_strategy", func(c *config.Config) { c.Translate.OTLPTranslationStrategy = "Whatever" },
			func(c config.Config) error { _, err := otlpDefaults(c); return err }},
	} {
		c := config.Default()
		bad.set(&c)
		if err := bad.wire(c); err == nil || !strings.Contains(err.Error(), bad.path) {
			t.Errorf("%s: got %v, want an error naming the field", bad.path, err)
		}
	}
}

package main

import (
	"strings"
	"testing"

	"github.com/greptime-bridge/greptime-bridge/config"
	"github.com/greptime-bridge/greptime-bridge/translate/prom"
)

// TestWiringHasNoSilentFallbacks: every value of every enumerated setting
// maps to an option, and a value Validate would refuse stops the wiring
// with the field's path instead of quietly becoming a default.
func TestWiringHasNoSilentFallbacks(t *testing.T) {
	type setting struct {
		path   string
		values []string
		set    func(*config.Config, string)
		wire   func(config.Config) error
	}
	bulk := func(c config.Config) error { _, err := bulkOptions(c); return err }
	client := func(c config.Config) error { _, err := newClient(c); return err }
	promW := func(c config.Config) error { _, err := promOptions(c); return err }
	otlpW := func(c config.Config) error { _, err := otlpDefaults(c); return err }
	mode := func(c config.Config) error { _, err := pipelineMode(c.Pipeline.Mode); return err }
	listenTLS := func(c config.Config) error { _, err := listenTLSOptions(c.Listen.TLS); return err }
	for _, s := range []setting{
		{
			"greptimedb.compression", config.Compression("").Values(),
			func(c *config.Config, v string) { c.GreptimeDB.Compression = config.Compression(v) }, client,
		},
		{
			"greptimedb.bulk_compression", config.BulkCompression("").Values(),
			func(c *config.Config, v string) { c.GreptimeDB.BulkCompression = config.BulkCompression(v) }, bulk,
		},
		{
			"pipeline.mode", config.PipelineMode("").Values(),
			func(c *config.Config, v string) { c.Pipeline.Mode = config.PipelineMode(v) }, mode,
		},
		{
			"translate.label_names", config.LabelNames("").Values(),
			func(c *config.Config, v string) { c.Translate.LabelNames = config.LabelNames(v) }, promW,
		},
		{
			"translate.label_value_utf8", config.LabelValueUTF8("").Values(),
			func(c *config.Config, v string) { c.Translate.LabelValueUTF8 = config.LabelValueUTF8(v) }, promW,
		},
		{
			"translate.native_histograms", config.NativeHistograms("").Values(),
			func(c *config.Config, v string) { c.Translate.NativeHistograms = config.NativeHistograms(v) }, promW,
		},
		{
			"translate.exponential_histograms", config.ExponentialHistograms("").Values(),
			func(c *config.Config, v string) { c.Translate.ExponentialHistograms = config.ExponentialHistograms(v) }, otlpW,
		},
		{
			"listen.tls.client_auth", config.TLSClientAuth("").Values(),
			func(c *config.Config, v string) { c.Listen.TLS.ClientAuth = config.TLSClientAuth(v) }, listenTLS,
		},
		{
			"listen.tls.min_version", config.TLSVersion("").Values(),
			func(c *config.Config, v string) { c.Listen.TLS.MinVersion = config.TLSVersion(v) }, listenTLS,
		},
		{
			"translate.otlp_translation_strategy", config.OTLPTranslationStrategy("").Values(),
			func(c *config.Config, v string) {
				c.Translate.OTLPTranslationStrategy = config.OTLPTranslationStrategy(v)
			}, otlpW,
		},
	} {
		for _, v := range s.values {
			c := config.Default()
			s.set(&c, v)
			if err := s.wire(c); err != nil {
				t.Errorf("%s %q: %v", s.path, v, err)
			}
		}
		c := config.Default()
		s.set(&c, "not-a-value")
		if err := s.wire(c); err == nil || !strings.Contains(err.Error(), s.path) {
			t.Errorf("%s: got %v, want an error naming the field", s.path, err)
		}
	}
	c := config.Default()
	c.Translate.LabelValueUTF8, c.Translate.NativeHistograms = config.LabelValueUTF8Lossy, config.NativeHistogramsClassic
	o, err := promOptions(c)
	if err != nil || o.UTF8 != prom.UTF8Lossy || o.NativeHistograms != prom.NativeHistogramsClassic {
		t.Errorf("lossy/classic: %+v %v", o, err)
	}
}

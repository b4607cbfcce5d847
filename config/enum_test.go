package config

import (
	"strings"
	"testing"
)

// TestEnumsReadLeniently: a value is matched without regard to case or
// surrounding spaces and stored canonically, from YAML and from the
// environment alike; values that match nothing are all reported by
// Validate, not just the first.
func TestEnumsReadLeniently(t *testing.T) {
	c := Default()
	yaml := "greptimedb:\n  compression: ' ZSTD '\n  bulk_compression: brotli\npipeline:\n  mode: sideways\ntranslate:\n  otlp_translation_strategy: notranslation\nlog:\n  level: WARN\n"
	if err := Parse([]byte(yaml), &c); err != nil {
		t.Fatalf("an unknown enum value stopped the decoder: %v", err)
	}
	if c.GreptimeDB.Compression != CompressionZstd || c.Translate.OTLPTranslationStrategy != NoTranslation || c.Log.Level != LogLevelWarn {
		t.Errorf("not canonical: %q %q %q", c.GreptimeDB.Compression, c.Translate.OTLPTranslationStrategy, c.Log.Level)
	}
	if err := ApplyEnv(&c, []string{EnvPrefix + "LOG_FORMAT=JSON", EnvPrefix + "TRANSLATE_LABEL_NAMES=nope"}); err != nil {
		t.Fatal(err)
	}
	if c.Log.Format != LogFormatJSON {
		t.Errorf("log.format from the environment = %q, want json", c.Log.Format)
	}
	err := c.Validate()
	if err == nil {
		t.Fatal("unknown values accepted")
	}
	for _, want := range []string{
		`greptimedb.bulk_compression: "brotli" is not one of [none lz4 zstd]`,
		`pipeline.mode: "sideways" is not one of [auto rows bulk]`,
		`translate.label_names: "nope" is not one of [reject sanitize]`,
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("missing %q in:\n%v", want, err)
		}
	}
}

// TestEnumDefaultsValid: every default is one of its type's values.
func TestEnumDefaultsValid(t *testing.T) {
	c := Default()
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
}

package config

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"
)

func TestDefaultIsValid(t *testing.T) {
	c := Default()
	if err := c.Validate(); err != nil {
		t.Fatalf("defaults invalid: %v", err)
	}
}

func TestLoadFullFile(t *testing.T) {
	c, err := Load("testdata/full.yaml", nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Validate(); err != nil {
		t.Fatalf("full.yaml invalid: %v", err)
	}
	if c.GreptimeDB.Endpoints[1] != "db-2:4001" || c.GreptimeDB.BulkParallelism != 16 {
		t.Errorf("greptimedb not loaded: %+v", c.GreptimeDB)
	}
	if c.Pipeline.FlushInterval != 100*time.Millisecond || c.Pipeline.Retry.MaxBackoff != 2*time.Second {
		t.Errorf("durations not loaded: %+v", c.Pipeline)
	}
	if *c.ForDatabase("other").MetricEngine || !*c.ForDatabase("legacy_db").MetricEngine {
		t.Error("per-database metric engine override not applied")
	}
	if c.ForDatabase("legacy_db").OTLPMetricMode != "legacy" || c.ForDatabase("other").OTLPMetricMode != "prom" {
		t.Error("otlp mode override not applied")
	}
	// The bare forms keep their meaning from before databases could be
	// listed: every database.
	if u := c.Auth.Users["prometheus"]; u.Password.Reveal() != "pw-1" || !slices.Equal(u.Databases, []string{AllDatabases}) {
		t.Errorf("bare auth user not loaded: %v", u.Databases)
	}
	if u := c.Auth.Users["team-a"]; u.Password.Reveal() != "pw-2" || !slices.Equal(u.Databases, []string{"team_a", "greptime-shared"}) {
		t.Errorf("auth user with databases not loaded: %v", u.Databases)
	}
	if tk := c.Auth.BearerTokens; len(tk) != 2 || tk[0].Token.Reveal() != "tok-1" || !slices.Equal(tk[0].Databases, []string{AllDatabases}) ||
		tk[1].Token.Reveal() != "tok-2" || c.Auth.TokenName(1) != "collector" || c.Auth.TokenName(0) != "bearer_tokens[0]" ||
		!slices.Equal(tk[1].Databases, []string{"traces"}) {
		t.Errorf("bearer tokens not loaded: %+v", tk)
	}
	if tl := c.Listen.TLS; !tl.Enabled || tl.CertFile == "" || tl.ClientAuth != "require" || tl.MinVersion != "1.3" {
		t.Errorf("listen.tls not loaded: %+v", tl)
	}
	if s := c.Limits.Shape; s.MaxLabelsPerSeries != 64 || s.MaxLabelNameLength != 128 || s.MaxLabelValueLength != 4096 ||
		s.MaxSeriesPerRequest != 20000 || s.MaxAttributesPerItem != 256 || s.MaxAttributeValueBytes != 65536 {
		t.Errorf("shape limits not loaded: %+v", s)
	}
	if o, d := c.ForDatabase("other"), c.ForDatabase("legacy_db"); *o.MaxHourlySeries != 100000 || *o.MaxDailySeries != 1000000 ||
		*d.MaxHourlySeries != 0 || *d.MaxDailySeries != 1000000 {
		t.Error("per-database series limits not applied")
	}
	// A field the file leaves out keeps its default.
	if c.Limits.MaxInflightRequests != 64 || c.Pipeline.Mode != "bulk" || c.Translate.IgnoreResourceAttributes != nil {
		t.Error("unexpected values")
	}
}

// TestBadFixtures checks each testdata/*.bad.yaml against the exact
// messages listed in its .bad.err file.
func TestBadFixtures(t *testing.T) {
	files, _ := filepath.Glob("testdata/*.bad.yaml")
	if len(files) == 0 {
		t.Fatal("no fixtures")
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			want, err := os.ReadFile(strings.TrimSuffix(f, ".yaml") + ".err")
			if err != nil {
				t.Fatal(err)
			}
			c, err := Load(f, nil)
			if err == nil {
				err = c.Validate()
			}
			if err == nil {
				t.Fatal("accepted")
			}
			for _, line := range strings.Split(strings.TrimSpace(string(want)), "\n") {
				if !strings.Contains(err.Error(), line) {
					t.Errorf("missing %q in:\n%v", line, err)
				}
			}
		})
	}
}

func TestEnvOverrides(t *testing.T) {
	env := []string{
		"PATH=/bin",
		"GREPTIME_BRIDGE_GREPTIMEDB_PASSWORD=from-env",
		"GREPTIME_BRIDGE_GREPTIMEDB_USERNAME=u",
		"GREPTIME_BRIDGE_GREPTIMEDB_ENDPOINTS=a:1, b:2",
		"GREPTIME_BRIDGE_PIPELINE_FLUSH_INTERVAL=1s",
		"GREPTIME_BRIDGE_PIPELINE_RETRY_MAX_ATTEMPTS=9",
		"GREPTIME_BRIDGE_DATABASE_DEFAULTS_METRIC_ENGINE=false",
		"GREPTIME_BRIDGE_LISTEN_PPROF=true",
		"GREPTIME_BRIDGE_AUTH_BEARER_TOKENS=env-tok-1,env-tok-2",
	}
	c, err := Load("testdata/full.yaml", env)
	if err != nil {
		t.Fatal(err)
	}
	if c.GreptimeDB.Password.Reveal() != "from-env" || c.GreptimeDB.Endpoints[1] != "b:2" {
		t.Errorf("env not applied: %v", c.GreptimeDB.Endpoints)
	}
	if c.Pipeline.FlushInterval != time.Second || c.Pipeline.Retry.MaxAttempts != 9 || *c.DatabaseDefaults.MetricEngine {
		t.Error("env not applied to nested fields")
	}
	if tk := c.Auth.BearerTokens; len(tk) != 2 || tk[1].Token.Reveal() != "env-tok-2" || !slices.Equal(tk[1].Databases, []string{AllDatabases}) {
		t.Errorf("bearer tokens from the environment: %+v", tk)
	}
	_, err = Load("", []string{"GREPTIME_BRIDGE_NO_SUCH=1", "GREPTIME_BRIDGE_PIPELINE_MAX_BATCH_ROWS=many"})
	if err == nil || !strings.Contains(err.Error(), "GREPTIME_BRIDGE_NO_SUCH names no configuration field") ||
		!strings.Contains(err.Error(), "GREPTIME_BRIDGE_PIPELINE_MAX_BATCH_ROWS") {
		t.Fatalf("bad env accepted or unclear: %v", err)
	}
}

func TestSecretsNeverPrinted(t *testing.T) {
	c, err := Load("testdata/full.yaml", nil)
	if err != nil {
		t.Fatal(err)
	}
	out, err := yaml.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{string(out), fmt.Sprintf("%v %+v %#v", c, c, c)} {
		for _, secret := range []string{"s3cret-value", "pw-1", "pw-2", "tok-1", "tok-2"} {
			if strings.Contains(s, secret) {
				t.Fatalf("secret %q printed", secret)
			}
		}
	}
}

package greptimetest

import (
	"strings"
	"testing"
)

// TestNormalizeTTL pins ttl as GreptimeDB stores it: '7d' shows as
// '7days' (greptimedb-tables.md §7.5, http.rs around 9590), and humantime
// prints every other duration in its largest units.
func TestNormalizeTTL(t *testing.T) {
	for in, want := range map[string]string{
		"7d": "7days", "1d": "1day", "24h": "1day", "90m": "1h 30m", "30s": "30s", "1w": "7days",
		"1h 30m": "1h 30m", "1500ms": "1s 500ms", "1M": "1month", "2y": "2years", "0s": "forever",
		"": "forever", "Forever": "forever", "INSTANT": "instant", "36h": "1day 12h",
	} {
		if got := normalizeTTL(in); got != want {
			t.Errorf("ttl %q stored as %q, want %q", in, got, want)
		}
	}
}

func TestTTLNormalizedOnCreate(t *testing.T) {
	s := StartT(t, Options{})
	c := dial(t, s)
	c.sql("public", "CREATE TABLE a (ts TIMESTAMP TIME INDEX) WITH (ttl = '7d')").expectOK(t, 0)
	ti, _ := s.Table("public", "a")
	if ti.Options["ttl"] != "7days" {
		t.Errorf("ttl stored as %q", ti.Options["ttl"])
	}
	if sql := ti.CreateSQL(); !strings.Contains(sql, "ttl = '7days'") {
		t.Errorf("SHOW CREATE TABLE:\n%s", sql)
	}
}

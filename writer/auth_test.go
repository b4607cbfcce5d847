package writer

import (
	"fmt"
	"strings"
	"testing"
)

func TestConfigNeverPrintsPassword(t *testing.T) {
	cfg := DefaultConfig("127.0.0.1:4001")
	cfg.Username, cfg.Password = "greptime_user", "s3cr3t-pa55"
	c, err := NewClient(cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	for _, s := range []string{
		cfg.String(), fmt.Sprintf("%v", cfg), fmt.Sprintf("%+v", cfg), fmt.Sprintf("%#v", cfg), fmt.Sprint(&cfg),
		fmt.Sprintf("%v", c), fmt.Sprintf("%+v", c), fmt.Sprintf("%#v", c),
	} {
		if strings.Contains(s, cfg.Password) {
			t.Fatalf("password printed: %s", s)
		}
		if !strings.Contains(s, "greptime_user") {
			t.Errorf("username missing: %s", s)
		}
	}
}

func TestConfigValidate(t *testing.T) {
	cfg := Config{
		Endpoints: []string{"", "h:1"}, Compression: "lz4", Password: "x", RequestTimeout: -1,
		MaxSendMessageSize: -1, Retry: &RetryPolicy{InitialBackoff: -1},
	}
	err := cfg.Validate()
	if err == nil {
		t.Fatal("bad config accepted")
	}
	for _, want := range []string{"compression", "endpoint 0", "without a username", "request timeout", "message sizes", "retry policy"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %q", err, want)
		}
	}
	if strings.Contains(err.Error(), "x\"") {
		t.Errorf("password leaked: %v", err)
	}
	if err := (Config{}).Validate(); err == nil || !strings.Contains(err.Error(), "no endpoints") {
		t.Errorf("config without endpoints: %v", err)
	}
	if err := DefaultConfig("h:4001").Validate(); err != nil {
		t.Errorf("default config refused: %v", err)
	}
	if _, err := NewClient(Config{Endpoints: []string{"127.0.0.1:1"}, Compression: "brotli"}); err == nil {
		t.Error("NewClient accepted an unknown compressor")
	}
}

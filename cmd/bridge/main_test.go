package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

func TestVersionAndCheckConfig(t *testing.T) {
	var out, errb bytes.Buffer
	if code := run(context.Background(), []string{"-version"}, nil, &out, &errb); code != 0 || out.String() != "greptime-bridge dev (commit unknown)\n" {
		t.Fatalf("-version: %d %q", code, out.String())
	}
	out.Reset()
	if code := run(context.Background(), []string{"-check-config"}, nil, &out, &errb); code != 0 {
		t.Fatalf("defaults rejected: %s", errb.String())
	}
	out.Reset()
	errb.Reset()
	code := run(context.Background(), []string{"-check-config", "-config", "../../config/testdata/enums.bad.yaml"}, nil, &out, &errb)
	if code != 1 {
		t.Fatalf("bad config accepted: %d", code)
	}
	// Every problem is listed, not just the first.
	for _, want := range []string{"greptimedb.compression", "pipeline.mode", "log.format"} {
		if !strings.Contains(errb.String(), want) {
			t.Errorf("missing %q in %s", want, errb.String())
		}
	}
	errb.Reset()
	code = run(context.Background(), []string{"-check-config"}, []string{"GREPTIME_BRIDGE_GREPTIMEDB_PASSWORD=hunter2"}, &out, &errb)
	if code != 1 || strings.Contains(errb.String(), "hunter2") {
		t.Fatalf("password without user: code %d, output %q", code, errb.String())
	}
}

package main

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestRunEmbeddedToCompletion(t *testing.T) {
	var out bytes.Buffer
	err := run(context.Background(), []string{"-embedded", "-iterations", "3", "-interval", "5ms", "-sensors", "4"}, &out)
	if err != nil {
		t.Fatalf("run: %v\n%s", err, out.String())
	}
	s := out.String()
	for _, want := range []string{"all_types: 3 rows with 26 columns", "insert    3: 4 rows", "sensor_readings: 3 inserts, 12 rows"} {
		if !strings.Contains(s, want) {
			t.Errorf("output lacks %q:\n%s", want, s)
		}
	}
}

func TestFlagsMustEnd(t *testing.T) {
	if _, err := parseFlags([]string{"-duration", "0"}); err == nil {
		t.Error("a run without -duration or -iterations was accepted")
	}
}

func TestRunEmbeddedUntilDuration(t *testing.T) {
	var out bytes.Buffer
	// The deadline may fall in the middle of an insert: that ends the run
	// cleanly instead of failing it.
	if err := run(context.Background(), []string{"-embedded", "-duration", "120ms", "-interval", "10ms"}, &out); err != nil {
		t.Fatalf("run: %v\n%s", err, out.String())
	}
	if !strings.Contains(out.String(), "sensor_readings: ") {
		t.Errorf("no summary:\n%s", out.String())
	}
}

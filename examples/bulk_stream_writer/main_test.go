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
	err := run(context.Background(), []string{"-embedded", "-rows", "25000", "-batch", "3000"}, &out)
	if err != nil {
		t.Fatalf("run: %v\n%s", err, out.String())
	}
	s := out.String()
	for _, want := range []string{
		"generated 25000 rows in 9 batches of up to 3000 rows, 10 columns",
		"parallelism 1: 25000 rows,", "parallelism 8: 25000 rows,",
	} {
		if !strings.Contains(s, want) {
			t.Errorf("output lacks %q:\n%s", want, s)
		}
	}
}

func TestFlagsMustBePositive(t *testing.T) {
	for _, args := range [][]string{{"-rows", "0"}, {"-batch", "-1"}} {
		if _, err := parseFlags(args); err == nil {
			t.Errorf("%v accepted", args)
		}
	}
}

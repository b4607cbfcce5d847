package confdoc

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite docs/configuration.md")

const reference = "../../../docs/configuration.md"

// TestReferenceIsCurrent fails when docs/configuration.md is not what the
// config structs generate: a field added, removed, renamed, re-typed,
// re-defaulted or re-documented without regenerating it.
func TestReferenceIsCurrent(t *testing.T) {
	got, err := Generate("../..")
	if err != nil {
		t.Fatal(err)
	}
	if *update {
		if err := os.WriteFile(reference, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(reference)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("%s is out of date; run: go test ./config/internal/confdoc -update", filepath.Clean(reference))
	}
}

// TestEveryFieldDocumented checks the generator itself on the real
// structs: every leaf path of the full example config appears.
func TestEveryFieldDocumented(t *testing.T) {
	got, err := Generate("../..")
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{
		"`greptimedb.password`", "`pipeline.retry.max_backoff`", "`databases.<name>.otlp_metric_mode`",
		"`auth.users`", "`GREPTIME_BRIDGE_LIMITS_MEMORY_BUDGET_BYTES`",
	} {
		if !strings.Contains(string(got), p) {
			t.Errorf("reference lacks %s", p)
		}
	}
}

// TestMissingDocIsAnError: a struct field without a comment is reported.
func TestMissingDocIsAnError(t *testing.T) {
	dir := t.TempDir()
	src := "package config\n\ntype Log struct {\n\t// Level is debug.\n\tLevel string `yaml:\"level\"`\n\tFormat string `yaml:\"format\"`\n}\n"
	if err := os.WriteFile(filepath.Join(dir, "x.go"), []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := Generate(dir)
	if err == nil || !strings.Contains(err.Error(), "log.format") {
		t.Fatalf("want an error naming log.format, got %v", err)
	}
}

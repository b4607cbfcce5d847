package otlp

import (
	"bufio"
	"bytes"
	"context"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/greptime-bridge/greptime-bridge/translate"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/golden")

// readHeaders reads a fixture's optional "<fixture>.headers" file: one
// "key: value" per line, # comments. Lines starting with bridge- are
// test switches for DatabaseOptions and bridge-only options.
func readHeaders(t *testing.T, path string) (map[string]string, error) {
	t.Helper()
	h := map[string]string{}
	f, err := os.Open(path + ".headers")
	if os.IsNotExist(err) {
		return h, nil
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		k, v, ok := strings.Cut(line, ":")
		if !ok {
			t.Fatalf("%s.headers: bad line %q", path, line)
		}
		h[strings.ToLower(strings.TrimSpace(k))] = strings.TrimSpace(v)
	}
	return h, sc.Err()
}

// translateFixture decodes a fixture (OTLP protobuf .pb or OTLP JSON .json,
// as the receiver would with pdata's unmarshalers) and translates it.
func translateFixture(t *testing.T, path string) *translate.Output {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	hdr, err := readHeaders(t, path)
	if err != nil {
		t.Fatal(err)
	}
	opts, err := OptionsFromHeaders(func(k string) string { return hdr[k] })
	if err != nil {
		t.Fatalf("headers: %v", err)
	}
	opts.ConvertExponentialHistograms = hdr["bridge-convert-exponential"] == "true"
	opts.Schema = knownSchemaHeader(t, hdr["bridge-known-schema"])
	db := translate.DefaultDatabaseOptions()
	if m := hdr["bridge-metric-mode"]; m != "" {
		db.OTLPMetricMode = translate.OTLPMetricMode(m)
	}
	if hdr["bridge-metric-engine"] == "false" {
		db.MetricEngine = false
	}
	isJSON := strings.HasSuffix(path, ".json")
	base := filepath.Base(path)
	out := &translate.Output{}
	c := NewConverter()
	ctx := context.Background()
	switch {
	case strings.Contains(base, "metrics"):
		var md pmetric.Metrics
		if isJSON {
			md, err = (&pmetric.JSONUnmarshaler{}).UnmarshalMetrics(data)
		} else {
			md, err = (&pmetric.ProtoUnmarshaler{}).UnmarshalMetrics(data)
		}
		if err == nil {
			err = c.Metrics(ctx, md, db, &opts, out)
		}
	case strings.Contains(base, "logs"):
		var ld plog.Logs
		if isJSON {
			ld, err = (&plog.JSONUnmarshaler{}).UnmarshalLogs(data)
		} else {
			ld, err = (&plog.ProtoUnmarshaler{}).UnmarshalLogs(data)
		}
		if err == nil {
			err = c.Logs(ctx, ld, &opts, out)
		}
	case strings.Contains(base, "traces"):
		var td ptrace.Traces
		if isJSON {
			td, err = (&ptrace.JSONUnmarshaler{}).UnmarshalTraces(data)
		} else {
			td, err = (&ptrace.ProtoUnmarshaler{}).UnmarshalTraces(data)
		}
		if err == nil {
			err = c.Traces(ctx, td, &opts, out)
		}
	default:
		t.Fatalf("cannot tell the signal of %s", base)
	}
	if err != nil {
		t.Fatalf("%s: %v", base, err)
	}
	for _, b := range out.Batches {
		if err := b.Validate(); err != nil {
			t.Fatalf("%s: %v", base, err)
		}
	}
	return out
}

// TestGolden translates every fixture under testdata (hand-written JSON and
// payloads captured from telemetrygen by testdata/capture.sh) and compares
// the tables, schemas, options and rows with testdata/golden/*.golden.
// Each expectation follows greptimedb-tables.md §2–§4 and §7 through the
// rules the unit tests pin down. Run with -update to rewrite them.
func TestGolden(t *testing.T) {
	if *update && os.Getenv("CI") == "true" {
		t.Fatal("-update is not allowed in CI: golden files must be reviewed and committed")
	}
	var fixtures []string
	for _, pat := range []string{"testdata/*.pb", "testdata/*.json"} {
		m, err := filepath.Glob(pat)
		if err != nil {
			t.Fatal(err)
		}
		fixtures = append(fixtures, m...)
	}
	if len(fixtures) < 8 {
		t.Fatalf("only %d fixtures found", len(fixtures))
	}
	for _, path := range fixtures {
		t.Run(filepath.Base(path), func(t *testing.T) {
			got := []byte(dumpOutput(translateFixture(t, path)))
			golden := filepath.Join("testdata", "golden", filepath.Base(path)+".golden")
			if *update {
				if err := os.MkdirAll(filepath.Dir(golden), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(golden, got, 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test -run Golden -update)", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("output differs from %s:\n--- got\n%s\n--- want\n%s", golden, got, want)
			}
		})
	}
}

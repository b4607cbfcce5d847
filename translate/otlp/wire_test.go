package otlp

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/plog/plogotlp"
	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.opentelemetry.io/collector/pdata/pmetric/pmetricotlp"

	"github.com/greptime-bridge/greptime-bridge/translate"
	"github.com/greptime-bridge/greptime-bridge/writer/table"
)

// pdataMetrics is the reference: the receiver's former path, pdata's
// ExportRequest unmarshaler then Metrics.
func pdataMetrics(body []byte, db translate.DatabaseOptions, opts RequestOptions) (string, error) {
	req := pmetricotlp.NewExportRequest()
	if err := req.UnmarshalProto(body); err != nil {
		return "", err
	}
	out := &translate.Output{}
	if err := NewConverter().Metrics(context.Background(), req.Metrics(), db, &opts, out); err != nil {
		return "", err
	}
	return dumpOutput(out), nil
}

// diffMetrics translates body on both paths with c (reused, as the
// receiver's pool does) and fails unless both refuse it or both produce the
// same dump. It reports whether the wire path was taken.
func diffMetrics(t testing.TB, c *Converter, body []byte, db translate.DatabaseOptions, opts RequestOptions) bool {
	t.Helper()
	want, werr := pdataMetrics(body, db, opts)
	out := &translate.Output{}
	c.Reset()
	wire, err := c.MetricsProto(context.Background(), body, db, &opts, out)
	if (err != nil) != (werr != nil) {
		t.Fatalf("wire=%v error %v, pdata error %v", wire, err, werr)
	}
	if err != nil {
		return wire
	}
	checkOutput(t.(*testing.T), out)
	if got := dumpOutput(out); got != want {
		t.Fatalf("wire=%v output differs from pdata:\n--- wire\n%s\n--- pdata\n%s", wire, got, want)
	}
	return wire
}

// protoFixtures returns the fixtures of a signal as protobuf, JSON ones
// re-encoded with pdata, with their header options.
func protoFixtures(t *testing.T, signal string) map[string][]byte {
	t.Helper()
	m := map[string][]byte{}
	for _, pat := range []string{"testdata/*" + signal + "*.pb", "testdata/*" + signal + "*.json"} {
		paths, err := filepath.Glob(pat)
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range paths {
			data, err := os.ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			if strings.HasSuffix(p, ".json") {
				data = jsonToProto(t, signal, data)
			}
			m[p] = data
		}
	}
	if len(m) == 0 {
		t.Fatalf("no %s fixtures", signal)
	}
	return m
}

func jsonToProto(t *testing.T, signal string, data []byte) []byte {
	t.Helper()
	var b []byte
	var err error
	switch signal {
	case "metrics":
		var md pmetric.Metrics
		if md, err = (&pmetric.JSONUnmarshaler{}).UnmarshalMetrics(data); err == nil {
			b, err = (&pmetric.ProtoMarshaler{}).MarshalMetrics(md)
		}
	case "logs":
		var ld plog.Logs
		if ld, err = (&plog.JSONUnmarshaler{}).UnmarshalLogs(data); err == nil {
			b, err = (&plog.ProtoMarshaler{}).MarshalLogs(ld)
		}
	}
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// metricOptionMatrix is every metric option the wire path honours.
func metricOptionMatrix() []RequestOptions {
	var all []RequestOptions
	for st := UnderscoreEscapingWithSuffixes; st <= NoTranslation; st++ {
		all = append(all, RequestOptions{Strategy: st})
	}
	return append(all,
		RequestOptions{Database: "obs", PromoteScopeAttrs: true},
		RequestOptions{PromoteAllResourceAttrs: true, ResourceAttrs: []string{"host.name", "service.name"}},
		RequestOptions{ResourceAttrs: []string{"host.name", "telemetry.sdk.language"}},
		RequestOptions{PromoteScopeAttrs: true, Strategy: NoUTF8EscapingWithSuffixes, Hints: ParseHints("ttl=7d")},
		RequestOptions{ConvertExponentialHistograms: true},
	)
}

// TestWireMetricsGolden holds the wire path to the pdata path on every
// metrics fixture, under every option and both metric-engine settings, and
// checks the captured gauge and sum payloads take the wire path.
func TestWireMetricsGolden(t *testing.T) {
	c := NewConverter()
	for path, body := range protoFixtures(t, "metrics") {
		t.Run(filepath.Base(path), func(t *testing.T) {
			for _, engine := range []bool{true, false} {
				for _, opts := range metricOptionMatrix() {
					db := translate.DefaultDatabaseOptions()
					db.MetricEngine = engine
					wire := diffMetrics(t, c, body, db, opts)
					base := filepath.Base(path)
					converted := strings.Contains(base, "exponential") && opts.ConvertExponentialHistograms
					if strings.HasPrefix(base, "telemetrygen") && wire == converted {
						t.Fatalf("%s: wire path %v with ConvertExponentialHistograms %v", base, wire, opts.ConvertExponentialHistograms)
					}
				}
			}
			db := translate.DefaultDatabaseOptions()
			db.OTLPMetricMode = translate.OTLPMetricLegacy
			if diffMetrics(t, c, body, db, RequestOptions{}) {
				t.Fatal("legacy mode took the wire path")
			}
		})
	}
}

// wireOnly drops the metrics the wire path does not cover under every
// option (exponential histograms, which it covers only when dropped), so
// the hand-written edge cases of the others run on it.
func wireOnly(t *testing.T, body []byte) []byte {
	t.Helper()
	md, err := (&pmetric.ProtoUnmarshaler{}).UnmarshalMetrics(body)
	if err != nil {
		t.Fatal(err)
	}
	for _, rm := range md.ResourceMetrics().All() {
		for _, sm := range rm.ScopeMetrics().All() {
			sm.Metrics().RemoveIf(func(m pmetric.Metric) bool {
				return m.Type() == pmetric.MetricTypeExponentialHistogram
			})
		}
	}
	b, err := (&pmetric.ProtoMarshaler{}).MarshalMetrics(md)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestWireMetricsWithoutExponential runs the fixtures without their
// exponential histograms, which must then take the wire path whatever the
// options.
func TestWireMetricsWithoutExponential(t *testing.T) {
	c := NewConverter()
	for path, body := range protoFixtures(t, "metrics") {
		body = wireOnly(t, body)
		for _, opts := range metricOptionMatrix() {
			if !diffMetrics(t, c, body, translate.DefaultDatabaseOptions(), opts) {
				t.Fatalf("%s: did not take the wire path", path)
			}
		}
	}
}

// pdataLogs is the reference for logs.
func pdataLogs(body []byte, opts RequestOptions) (string, error) {
	req := plogotlp.NewExportRequest()
	if err := req.UnmarshalProto(body); err != nil {
		return "", err
	}
	out := &translate.Output{}
	if err := NewConverter().Logs(context.Background(), req.Logs(), &opts, out); err != nil {
		return "", err
	}
	return dumpOutput(out), nil
}

// diffLogs is diffMetrics for logs.
func diffLogs(t testing.TB, c *Converter, body []byte, opts RequestOptions) bool {
	t.Helper()
	want, werr := pdataLogs(body, opts)
	out := &translate.Output{}
	c.Reset()
	wire, err := c.LogsProto(context.Background(), body, &opts, out)
	if (err != nil) != (werr != nil) {
		t.Fatalf("wire=%v error %v, pdata error %v", wire, err, werr)
	}
	if err != nil {
		return wire
	}
	for _, b := range out.Batches {
		if err := b.Validate(); err != nil {
			t.Fatalf("invalid batch: %v", err)
		}
	}
	if got := dumpOutput(out); got != want {
		t.Fatalf("wire=%v output differs from pdata:\n--- wire\n%s\n--- pdata\n%s", wire, got, want)
	}
	return wire
}

// TestWireLogsGolden holds the wire path to the pdata path on every logs
// fixture; those without extract keys or a known table take it.
func TestWireLogsGolden(t *testing.T) {
	c := NewConverter()
	for path, body := range protoFixtures(t, "logs") {
		t.Run(filepath.Base(path), func(t *testing.T) {
			for _, opts := range []RequestOptions{{}, {Database: "obs", LogTableName: "app_logs", Hints: ParseHints("ttl=1d, append_mode=false")}} {
				if !diffLogs(t, c, body, opts) {
					t.Fatal("did not take the wire path")
				}
			}
			if diffLogs(t, c, body, RequestOptions{LogExtractKeys: []string{"user", "service.name"}}) {
				t.Fatal("extract keys took the wire path")
			}
			// Into a known table: the identity layout (a table the bridge
			// created) takes the wire path, any other layout is aligned by
			// the pdata path.
			identity := make([]translate.KnownColumn, 0, len(logSchema))
			for _, col := range logSchema {
				identity = append(identity, translate.KnownColumn{Name: col.name, Type: col.typ, Semantic: col.sem})
			}
			if !diffLogs(t, c, body, RequestOptions{Schema: schemaMap{"." + DefaultLogTable: identity}}) {
				t.Fatal("a known table in the identity layout did not take the wire path")
			}
			user := []translate.KnownColumn{
				{Name: "timestamp", Type: table.TimestampMillisecond, Semantic: table.Timestamp},
				{Name: "scope_name", Type: table.String, Semantic: table.Field},
			}
			if diffLogs(t, c, body, RequestOptions{Schema: schemaMap{"." + DefaultLogTable: user}}) {
				t.Fatal("a user's table of another layout took the wire path")
			}
		})
	}
}

// TestLogJSONColumnsAreCheckedAndValid: the log table's JSON columns are
// marked JSONChecked (the writer then skips parsing them), so every value
// this package renders must really be valid JSON, on both paths.
func TestLogJSONColumnsAreCheckedAndValid(t *testing.T) {
	c := NewConverter()
	for path, body := range protoFixtures(t, "logs") {
		out := &translate.Output{}
		if _, err := c.LogsProto(context.Background(), body, &RequestOptions{}, out); err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		for _, b := range out.Batches {
			for _, col := range b.Columns() {
				if col.Type != table.JSON {
					continue
				}
				if !col.JSONChecked {
					t.Errorf("%s: %s.%s not marked JSONChecked", path, b.Table, col.Name)
				}
				for r := range col.Len() {
					if v, ok := col.Binary(r); ok && !json.Valid(v) {
						t.Errorf("%s: %s.%s row %d is not valid JSON: %s", path, b.Table, col.Name, r, v)
					}
				}
			}
		}
	}
}

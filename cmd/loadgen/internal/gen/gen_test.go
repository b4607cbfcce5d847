package gen_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	writev2 "github.com/prometheus/client_golang/exp/api/remote/genproto/v2"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog/plogotlp"
	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.opentelemetry.io/collector/pdata/pmetric/pmetricotlp"
	"google.golang.org/protobuf/proto"

	"github.com/greptime-bridge/greptime-bridge/cmd/loadgen/internal/gen"
)

var (
	genTime   = time.UnixMilli(1_790_000_000_000)
	stampTime = genTime.Add(42*time.Minute + 1234*time.Millisecond)
)

func labelKey(ls [][2]string) string {
	var b strings.Builder
	for _, l := range ls {
		fmt.Fprintf(&b, "%s=%q,", l[0], l[1])
	}
	return b.String()
}

// TestRemoteWrite1 decodes every request of a set with protobuf-go and
// checks the advertised shape: series, labels, names, samples, and the
// timestamps Stamp writes.
func TestRemoteWrite1(t *testing.T) {
	md := writeRequestDesc(t)
	for _, c := range []struct {
		series, labels, names, perReq, samples int
	}{
		{2500, 8, 100, 1000, 1},
		{1200, 12, 5, 500, 3},
		{1500, 2, 1000, 1000, 1},
		{600, 20, 1, 600, 2},
	} {
		t.Run(fmt.Sprintf("%d_series_%d_labels_%d_names", c.series, c.labels, c.names), func(t *testing.T) {
			rw := gen.RemoteWrite{
				SeriesSet:        gen.SeriesSet{Series: c.series, Labels: c.labels, Names: c.names},
				SeriesPerRequest: c.perReq, SamplesPerSeries: c.samples,
			}
			tmpl, err := rw.Requests(genTime)
			if err != nil {
				t.Fatal(err)
			}
			if want := (c.series + c.perReq - 1) / c.perReq; len(tmpl) != want {
				t.Fatalf("%d requests, want %d", len(tmpl), want)
			}
			seen := map[string]bool{}
			names := map[string]int{}
			var buf []byte
			for r, tp := range tmpl {
				if buf, err = tp.Stamp(buf, stampTime); err != nil {
					t.Fatal(err)
				}
				series := decodeRW1(t, md, buf)
				if want := min(c.perReq, c.series-r*c.perReq); len(series) != want {
					t.Fatalf("request %d: %d series, want %d", r, len(series), want)
				}
				if tp.Items != len(series)*c.samples {
					t.Errorf("request %d: Items %d, want %d", r, tp.Items, len(series)*c.samples)
				}
				perName := map[string]int{}
				for _, s := range series {
					if len(s.labels) != c.labels {
						t.Fatalf("series %v: %d labels, want %d", s.labels, len(s.labels), c.labels)
					}
					if !slices.IsSortedFunc(s.labels, func(a, b [2]string) int { return strings.Compare(a[0], b[0]) }) {
						t.Errorf("labels not sorted by name: %v", s.labels)
					}
					if s.labels[0][0] != "__name__" {
						t.Errorf("first label %q, want __name__", s.labels[0][0])
					}
					k := labelKey(s.labels)
					if seen[k] {
						t.Fatalf("series %s twice", k)
					}
					seen[k] = true
					names[s.labels[0][1]]++
					perName[s.labels[0][1]]++
					if len(s.samples) != c.samples {
						t.Fatalf("%d samples, want %d", len(s.samples), c.samples)
					}
					for j, sm := range s.samples {
						want := stampTime.UnixMilli() - int64(c.samples-1-j)*15000
						if int64(sm[1]) != want {
							t.Fatalf("sample %d timestamp %d, want %d", j, int64(sm[1]), want)
						}
					}
				}
				// Series spread round-robin: a request of consecutive
				// series carries every name (or all it can) evenly.
				if len(series) >= c.names {
					if len(perName) != c.names {
						t.Errorf("request %d carries %d names, want %d", r, len(perName), c.names)
					}
					for n, k := range perName {
						if k < len(series)/c.names || k > len(series)/c.names+1 {
							t.Errorf("request %d: %d rows of %s, want about %d", r, k, n, len(series)/c.names)
						}
					}
				}
			}
			if len(seen) != c.series || len(names) != c.names {
				t.Errorf("%d distinct series over %d names, want %d over %d", len(seen), len(names), c.series, c.names)
			}
		})
	}
}

// TestRemoteWrite2 decodes with client_golang's generated writev2 types.
func TestRemoteWrite2(t *testing.T) {
	rw := gen.RemoteWrite{SeriesSet: gen.SeriesSet{Series: 4500, Labels: 8, Names: 100}, SeriesPerRequest: 2000, SamplesPerSeries: 2, Version2: true}
	tmpl, err := rw.Requests(genTime)
	if err != nil {
		t.Fatal(err)
	}
	if len(tmpl) != 3 {
		t.Fatalf("%d requests, want 3", len(tmpl))
	}
	seen := map[string]bool{}
	names := map[string]bool{}
	for r, tp := range tmpl {
		body, err := tp.Stamp(nil, stampTime)
		if err != nil {
			t.Fatal(err)
		}
		var req writev2.Request
		if err := proto.Unmarshal(body, &req); err != nil {
			t.Fatalf("request %d: %v", r, err)
		}
		if len(req.Symbols) == 0 || req.Symbols[0] != "" {
			t.Fatalf("symbols[0] must be the empty string: %q", req.Symbols[:min(3, len(req.Symbols))])
		}
		n := 0
		for _, ts := range req.Timeseries {
			if len(ts.LabelsRefs) != 2*8 {
				t.Fatalf("%d label refs, want 16", len(ts.LabelsRefs))
			}
			var ls [][2]string
			for i := 0; i < len(ts.LabelsRefs); i += 2 {
				ls = append(ls, [2]string{req.Symbols[ts.LabelsRefs[i]], req.Symbols[ts.LabelsRefs[i+1]]})
			}
			if ls[0][0] != "__name__" {
				t.Fatalf("first label %q", ls[0][0])
			}
			seen[labelKey(ls)] = true
			names[ls[0][1]] = true
			wantType := writev2.Metadata_METRIC_TYPE_GAUGE
			if strings.HasSuffix(ls[0][1], "_total") {
				wantType = writev2.Metadata_METRIC_TYPE_COUNTER
			}
			if ts.Metadata.GetType() != wantType || !strings.Contains(req.Symbols[ts.Metadata.GetHelpRef()], ls[0][1]) {
				t.Errorf("%s: metadata %v", ls[0][1], ts.Metadata)
			}
			for j, s := range ts.Samples {
				if want := stampTime.UnixMilli() - int64(1-j)*15000; s.Timestamp != want {
					t.Fatalf("timestamp %d, want %d", s.Timestamp, want)
				}
				n++
			}
		}
		if n != tp.Items {
			t.Errorf("request %d: %d samples, Items %d", r, n, tp.Items)
		}
	}
	if len(seen) != 4500 || len(names) != 100 {
		t.Errorf("%d series over %d names, want 4500 over 100", len(seen), len(names))
	}
}

func attrKey(m pcommon.Map) string {
	var b strings.Builder
	for k, v := range m.All() {
		fmt.Fprintf(&b, "%s=%s,", k, v.AsString())
	}
	return b.String()
}

// TestOTLPMetrics decodes with pdata and checks points, attributes,
// resources and stamped times.
func TestOTLPMetrics(t *testing.T) {
	for _, kind := range []string{gen.KindSum, gen.KindGauge, gen.KindHistogram} {
		t.Run(kind, func(t *testing.T) {
			o := gen.OTLP{Kind: kind, Series: 2500, ItemsPerRequest: 1000, ResourcesPerRequest: 2, MetricsPerResource: 10, Attributes: 12, ResourceAttributes: 6}
			tmpl, err := o.Requests(genTime)
			if err != nil {
				t.Fatal(err)
			}
			if len(tmpl) != 3 {
				t.Fatalf("%d requests, want 3", len(tmpl))
			}
			seen := map[string]bool{}
			for r, tp := range tmpl {
				body, err := tp.Stamp(nil, stampTime)
				if err != nil {
					t.Fatal(err)
				}
				req := pmetricotlp.NewExportRequest()
				if err := req.UnmarshalProto(body); err != nil {
					t.Fatalf("request %d: %v", r, err)
				}
				md := req.Metrics()
				want := min(1000, 2500-r*1000)
				if md.DataPointCount() != want || tp.Items != want {
					t.Fatalf("request %d: %d points, Items %d, want %d", r, md.DataPointCount(), tp.Items, want)
				}
				if md.ResourceMetrics().Len() != 2 {
					t.Errorf("%d resources, want 2", md.ResourceMetrics().Len())
				}
				for _, rm := range md.ResourceMetrics().All() {
					if rm.Resource().Attributes().Len() != 6 {
						t.Errorf("%d resource attributes, want 6", rm.Resource().Attributes().Len())
					}
					ms := rm.ScopeMetrics().At(0).Metrics()
					if ms.Len() != 10 {
						t.Errorf("%d metrics in a resource, want 10", ms.Len())
					}
					for _, m := range ms.All() {
						check := func(attrs pcommon.Map, ts, start pcommon.Timestamp) {
							if attrs.Len() != 12 {
								t.Fatalf("%d attributes, want 12", attrs.Len())
							}
							seen[m.Name()+attrKey(attrs)] = true
							if !ts.AsTime().Equal(stampTime) || !start.AsTime().Equal(genTime.Add(-time.Hour)) {
								t.Fatalf("time %v start %v, want %v and an hour before generation", ts.AsTime(), start.AsTime(), stampTime)
							}
						}
						switch kind {
						case gen.KindSum:
							if m.Type() != pmetric.MetricTypeSum || !m.Sum().IsMonotonic() {
								t.Fatalf("metric %s is %v", m.Name(), m.Type())
							}
							for _, dp := range m.Sum().DataPoints().All() {
								check(dp.Attributes(), dp.Timestamp(), dp.StartTimestamp())
							}
						case gen.KindGauge:
							for _, dp := range m.Gauge().DataPoints().All() {
								check(dp.Attributes(), dp.Timestamp(), dp.StartTimestamp())
							}
						case gen.KindHistogram:
							for _, dp := range m.Histogram().DataPoints().All() {
								check(dp.Attributes(), dp.Timestamp(), dp.StartTimestamp())
								var n uint64
								for _, c := range dp.BucketCounts().All() {
									n += c
								}
								if dp.BucketCounts().Len() != dp.ExplicitBounds().Len()+1 || n != dp.Count() {
									t.Fatalf("histogram with %d bounds, %d buckets summing to %d, count %d",
										dp.ExplicitBounds().Len(), dp.BucketCounts().Len(), n, dp.Count())
								}
							}
						}
					}
				}
			}
			if len(seen) != 2500 {
				t.Errorf("%d distinct points, want 2500", len(seen))
			}
		})
	}
}

func TestOTLPLogs(t *testing.T) {
	o := gen.OTLP{Kind: gen.KindLogs, Series: 2000, ItemsPerRequest: 1000, ResourcesPerRequest: 1, MetricsPerResource: 1, Attributes: 12, ResourceAttributes: 4}
	tmpl, err := o.Requests(genTime)
	if err != nil {
		t.Fatal(err)
	}
	if len(tmpl) != 2 {
		t.Fatalf("%d requests, want 2", len(tmpl))
	}
	for r, tp := range tmpl {
		body, err := tp.Stamp(nil, stampTime)
		if err != nil {
			t.Fatal(err)
		}
		req := plogotlp.NewExportRequest()
		if err := req.UnmarshalProto(body); err != nil {
			t.Fatalf("request %d: %v", r, err)
		}
		ld := req.Logs()
		if ld.LogRecordCount() != 1000 || tp.Items != 1000 {
			t.Fatalf("%d records, Items %d, want 1000", ld.LogRecordCount(), tp.Items)
		}
		if n := ld.ResourceLogs().At(0).Resource().Attributes().Len(); n != 4 {
			t.Errorf("%d resource attributes, want 4", n)
		}
		for _, lr := range ld.ResourceLogs().At(0).ScopeLogs().At(0).LogRecords().All() {
			if lr.Attributes().Len() != 12 || lr.Body().Str() == "" || lr.TraceID().IsEmpty() {
				t.Fatalf("record with %d attributes, body %q, trace %v", lr.Attributes().Len(), lr.Body().Str(), lr.TraceID())
			}
			if !lr.Timestamp().AsTime().Equal(stampTime) || !lr.ObservedTimestamp().AsTime().Equal(stampTime) {
				t.Fatalf("times %v %v, want %v", lr.Timestamp().AsTime(), lr.ObservedTimestamp().AsTime(), stampTime)
			}
		}
	}
}

// TestStampWidth: a time whose varint is wider than the template's slots
// is refused rather than corrupting the body.
func TestStampWidth(t *testing.T) {
	rw := gen.RemoteWrite{SeriesSet: gen.SeriesSet{Series: 10, Labels: 3, Names: 2}, SeriesPerRequest: 10, SamplesPerSeries: 1}
	tmpl, err := rw.Requests(genTime)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tmpl[0].Stamp(nil, time.UnixMilli(5)); err == nil {
		t.Fatal("stamping a 1-byte timestamp into 6-byte slots succeeded")
	}
}

func TestValidate(t *testing.T) {
	bad := []gen.RemoteWrite{
		{SeriesSet: gen.SeriesSet{Series: 0, Labels: 8, Names: 1}, SeriesPerRequest: 1, SamplesPerSeries: 1},
		{SeriesSet: gen.SeriesSet{Series: 10, Labels: 8, Names: 11}, SeriesPerRequest: 1, SamplesPerSeries: 1},
		{SeriesSet: gen.SeriesSet{Series: 10, Labels: 1, Names: 1}, SeriesPerRequest: 1, SamplesPerSeries: 1},
		{SeriesSet: gen.SeriesSet{Series: 10, Labels: 8, Names: 1}, SeriesPerRequest: 0, SamplesPerSeries: 1},
	}
	for _, rw := range bad {
		if _, err := rw.Requests(genTime); err == nil {
			t.Errorf("%+v: no error", rw)
		}
	}
	for _, o := range []gen.OTLP{
		{Kind: "traces", Series: 1, ItemsPerRequest: 1, ResourcesPerRequest: 1, MetricsPerResource: 1, ResourceAttributes: 1},
		{Kind: gen.KindSum, Series: 0, ItemsPerRequest: 1, ResourcesPerRequest: 1, MetricsPerResource: 1, ResourceAttributes: 1},
		{Kind: gen.KindSum, Series: 1, ItemsPerRequest: 1, ResourcesPerRequest: 1, MetricsPerResource: 1, ResourceAttributes: 0},
	} {
		if _, err := o.Requests(genTime); err == nil {
			t.Errorf("%+v: no error", o)
		}
	}
}

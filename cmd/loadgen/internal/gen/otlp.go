package gen

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"strconv"
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/plog/plogotlp"
	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.opentelemetry.io/collector/pdata/pmetric/pmetricotlp"
)

// OTLP kinds the generator writes.
const (
	KindSum       = "sum"
	KindGauge     = "gauge"
	KindHistogram = "histogram"
	KindLogs      = "logs"
)

// OTLP shapes OTLP exports. Series distinct points (or log records) are
// cut into requests of ItemsPerRequest items, spread over
// ResourcesPerRequest resources and MetricsPerResource metrics per
// resource; each item has Attributes attributes and each resource
// ResourceAttributes.
type OTLP struct {
	Kind                string
	Series              int
	ItemsPerRequest     int
	ResourcesPerRequest int
	MetricsPerResource  int
	Attributes          int
	ResourceAttributes  int
}

// IsLogs reports whether the kind is a logs export.
func (o OTLP) IsLogs() bool { return o.Kind == KindLogs }

// Validate reports a shape that cannot be generated.
func (o OTLP) Validate() error {
	switch o.Kind {
	case KindSum, KindGauge, KindHistogram, KindLogs:
	default:
		return fmt.Errorf("otlp kind %q: want sum, gauge, histogram or logs", o.Kind)
	}
	if o.Series < 1 || o.ItemsPerRequest < 1 || o.ResourcesPerRequest < 1 || o.MetricsPerResource < 1 {
		return fmt.Errorf("series %d, items per request %d, resources %d, metrics %d: want at least 1 each",
			o.Series, o.ItemsPerRequest, o.ResourcesPerRequest, o.MetricsPerResource)
	}
	if o.Attributes < 0 || o.Attributes > 64 || o.ResourceAttributes < 1 || o.ResourceAttributes > 32 {
		return fmt.Errorf("attributes %d, resource attributes %d: want 0-64 and 1-32", o.Attributes, o.ResourceAttributes)
	}
	return nil
}

// stampSentinel marks a timestamp to be patched: the encoded body is
// scanned for it after marshalling, and the number of hits must equal the
// number of timestamps written, so a value that happened to contain it
// would be caught at generation.
const stampSentinel = uint64(0x7a5a3cc3a55a1742)

// histogramBounds are Prometheus client libraries' default buckets.
var histogramBounds = []float64{0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10}

var severities = []plog.SeverityNumber{plog.SeverityNumberInfo, plog.SeverityNumberInfo, plog.SeverityNumberWarn, plog.SeverityNumberDebug, plog.SeverityNumberError}

// Requests encodes the whole set once: ceil(Series/ItemsPerRequest)
// templates whose time_unix_nano (and a log's observed time) are stamped
// on each send; start times of cumulative points stay at "process start",
// an hour before now.
func (o OTLP) Requests(now time.Time) ([]*Template, error) {
	if err := o.Validate(); err != nil {
		return nil, err
	}
	start := pcommon.NewTimestampFromTime(now.Add(-time.Hour))
	var out []*Template
	for first, req := 0, 0; first < o.Series; first, req = first+o.ItemsPerRequest, req+1 {
		n := min(o.ItemsPerRequest, o.Series-first)
		var body []byte
		var err error
		stamps := n
		if o.IsLogs() {
			body, err = plogotlp.NewExportRequestFromLogs(o.logs(req, first, n)).MarshalProto()
			stamps = 2 * n
		} else {
			body, err = pmetricotlp.NewExportRequestFromMetrics(o.metrics(req, first, n, start)).MarshalProto()
		}
		if err != nil {
			return nil, fmt.Errorf("cannot encode otlp request %d: %w", req, err)
		}
		t := &Template{Body: body, Items: n, kind: stampNanosFixed64}
		var pat [8]byte
		binary.LittleEndian.PutUint64(pat[:], stampSentinel)
		for off := 0; ; {
			i := bytes.Index(body[off:], pat[:])
			if i < 0 {
				break
			}
			t.stamps = append(t.stamps, off+i)
			off += i + 8
		}
		if len(t.stamps) != stamps {
			return nil, fmt.Errorf("otlp request %d: %d timestamp marks found, want %d", req, len(t.stamps), stamps)
		}
		binary.LittleEndian.PutUint64(pat[:], uint64(now.UnixNano()))
		for _, off := range t.stamps {
			copy(body[off:], pat[:])
		}
		out = append(out, t)
	}
	return out, nil
}

// resourceAttrs fills a resource of request req like a Kubernetes
// workload's SDK would.
func (o OTLP) resourceAttrs(m pcommon.Map, req, r int) {
	id := req*o.ResourcesPerRequest + r
	app := apps[id%len(apps)]
	keys := []string{
		"service.name", "service.instance.id", "host.name", "k8s.namespace.name", "k8s.pod.name",
		"k8s.deployment.name", "k8s.node.name", "cloud.region", "service.version", "deployment.environment",
	}
	for a := range o.ResourceAttributes {
		var v string
		switch {
		case a >= len(keys):
			m.PutStr("resource.attr_"+strconv.Itoa(a), "value-"+strconv.Itoa(id%17))
			continue
		case keys[a] == "service.name", keys[a] == "k8s.deployment.name":
			v = app
		case keys[a] == "service.instance.id":
			v = fmt.Sprintf("%08x-%04x", uint32(id*2654435761), id&0xffff)
		case keys[a] == "host.name", keys[a] == "k8s.node.name":
			v = fmt.Sprintf("ip-10-0-%d-%d.ec2.internal", id/50%256, id%50)
		case keys[a] == "k8s.namespace.name":
			v = namespaces[id%len(namespaces)]
		case keys[a] == "k8s.pod.name":
			v = fmt.Sprintf("%s-%08x-%05x", app, uint32(id*2654435761)>>4, id&0xfffff)
		case keys[a] == "cloud.region":
			v = "eu-west-1"
		case keys[a] == "service.version":
			v = "1.4." + strconv.Itoa(id%9)
		default:
			v = "production"
		}
		m.PutStr(keys[a], v)
	}
}

// itemAttrs gives item i (global index) its attributes: an HTTP-server
// shape, distinct per item through the route and the peer address.
func itemAttrs(m pcommon.Map, i, n int) {
	methods := []string{"GET", "POST", "PUT", "DELETE"}
	for a := range n {
		switch a {
		case 0:
			m.PutStr("http.route", "/api/v1/resource/"+strconv.Itoa(i))
		case 1:
			m.PutStr("http.request.method", methods[i%len(methods)])
		case 2:
			m.PutInt("http.response.status_code", int64([]int{200, 200, 200, 201, 404, 500}[i%6]))
		case 3:
			m.PutStr("network.peer.address", fmt.Sprintf("10.%d.%d.%d", i>>16&255, i>>8&255, i&255))
		case 4:
			m.PutStr("server.address", "api.internal")
		case 5:
			m.PutBool("error", i%50 == 0)
		default:
			m.PutStr("attr_"+strconv.Itoa(a), "value-"+strconv.Itoa((i*7+a)%13))
		}
	}
}

func (o OTLP) metrics(req, first, n int, start pcommon.Timestamp) pmetric.Metrics {
	md := pmetric.NewMetrics()
	perRes := (n + o.ResourcesPerRequest - 1) / o.ResourcesPerRequest
	item := 0
	for r := 0; r < o.ResourcesPerRequest && item < n; r++ {
		rm := md.ResourceMetrics().AppendEmpty()
		o.resourceAttrs(rm.Resource().Attributes(), req, r)
		sm := rm.ScopeMetrics().AppendEmpty()
		sm.Scope().SetName("go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp")
		sm.Scope().SetVersion("0.63.0")
		resEnd := min(item+perRes, n)
		perMetric := (resEnd - item + o.MetricsPerResource - 1) / o.MetricsPerResource
		for k := 0; item < resEnd; k++ {
			m := sm.Metrics().AppendEmpty()
			m.SetName(o.Kind + "_" + MetricName(k))
			m.SetDescription("Load generator " + o.Kind + " metric.")
			m.SetUnit("1")
			var sums, gauges pmetric.NumberDataPointSlice
			var hists pmetric.HistogramDataPointSlice
			switch o.Kind {
			case KindSum:
				s := m.SetEmptySum()
				s.SetAggregationTemporality(pmetric.AggregationTemporalityCumulative)
				s.SetIsMonotonic(true)
				sums = s.DataPoints()
			case KindGauge:
				gauges = m.SetEmptyGauge().DataPoints()
			case KindHistogram:
				h := m.SetEmptyHistogram()
				h.SetAggregationTemporality(pmetric.AggregationTemporalityCumulative)
				hists = h.DataPoints()
			}
			end := min(item+perMetric, resEnd)
			for ; item < end; item++ {
				i := first + item
				var attrs pcommon.Map
				switch o.Kind {
				case KindSum, KindGauge:
					dps := sums
					if o.Kind == KindGauge {
						dps = gauges
					}
					dp := dps.AppendEmpty()
					dp.SetStartTimestamp(start)
					dp.SetTimestamp(pcommon.Timestamp(stampSentinel))
					dp.SetDoubleValue(sampleValue(i, 0))
					attrs = dp.Attributes()
				case KindHistogram:
					dp := hists.AppendEmpty()
					dp.SetStartTimestamp(start)
					dp.SetTimestamp(pcommon.Timestamp(stampSentinel))
					dp.ExplicitBounds().FromRaw(histogramBounds)
					var total uint64
					for b := 0; b <= len(histogramBounds); b++ {
						c := uint64((i + b*3) % 40)
						dp.BucketCounts().Append(c)
						total += c
					}
					dp.SetCount(total)
					dp.SetSum(float64(total) * 0.137)
					attrs = dp.Attributes()
				}
				itemAttrs(attrs, i, o.Attributes)
			}
		}
	}
	return md
}

func (o OTLP) logs(req, first, n int) plog.Logs {
	ld := plog.NewLogs()
	perRes := (n + o.ResourcesPerRequest - 1) / o.ResourcesPerRequest
	item := 0
	for r := 0; r < o.ResourcesPerRequest && item < n; r++ {
		rl := ld.ResourceLogs().AppendEmpty()
		o.resourceAttrs(rl.Resource().Attributes(), req, r)
		sl := rl.ScopeLogs().AppendEmpty()
		sl.Scope().SetName("github.com/example/api/internal/server")
		end := min(item+perRes, n)
		for ; item < end; item++ {
			i := first + item
			lr := sl.LogRecords().AppendEmpty()
			lr.SetTimestamp(pcommon.Timestamp(stampSentinel))
			lr.SetObservedTimestamp(pcommon.Timestamp(stampSentinel))
			sev := severities[i%len(severities)]
			lr.SetSeverityNumber(sev)
			lr.SetSeverityText(sev.String())
			lr.Body().SetStr(fmt.Sprintf("request handled method=%s route=/api/v1/resource/%d status=%d duration_ms=%d bytes=%d",
				[]string{"GET", "POST", "PUT"}[i%3], i, []int{200, 201, 404, 500}[i%4], 3+i%250, 512+i%9000))
			var tid [16]byte
			binary.BigEndian.PutUint64(tid[:8], uint64(i)*0x9e3779b97f4a7c15+1)
			binary.BigEndian.PutUint64(tid[8:], uint64(req+1)*0xbf58476d1ce4e5b9)
			lr.SetTraceID(tid)
			var sid [8]byte
			binary.BigEndian.PutUint64(sid[:], uint64(i+1)*0x94d049bb133111eb)
			lr.SetSpanID(sid)
			itemAttrs(lr.Attributes(), i, o.Attributes)
		}
	}
	return ld
}

// Package sink is the load generator's counting sink: it takes remote
// write and OTLP/HTTP like a real backend would take them (decompress,
// walk the protobuf) but keeps nothing, so a peer under test can be given
// a destination that costs about what vmagent's counting sink costs.
package sink

import (
	"errors"
	"fmt"
	"slices"

	"google.golang.org/protobuf/encoding/protowire"
)

// path is the chain of message fields leading from a request to the items
// it carries; at each level any of the listed field numbers descends.
type path [][]protowire.Number

var (
	// prometheus.WriteRequest: timeseries=1 → samples=2, histograms=4.
	pathRW1 = path{{1}, {2, 4}}
	// io.prometheus.write.v2.Request: timeseries=5 → samples=2, histograms=3.
	pathRW2 = path{{5}, {2, 3}}
	// ExportMetricsServiceRequest: resource_metrics=1 → scope_metrics=2 →
	// metrics=2 → gauge=5, sum=7, histogram=9, exponential_histogram=10,
	// summary=11 → data_points=1.
	pathMetrics = path{{1}, {2}, {2}, {5, 7, 9, 10, 11}, {1}}
	// ExportLogsServiceRequest: resource_logs=1 → scope_logs=2 → log_records=2.
	pathLogs = path{{1}, {2}, {2}}
	// ExportTraceServiceRequest: resource_spans=1 → scope_spans=2 → spans=2.
	pathTraces = path{{1}, {2}, {2}}
)

// Item kinds a body is counted as.
const (
	RemoteWrite1 = "rw1"
	RemoteWrite2 = "rw2"
	Metrics      = "metrics"
	Logs         = "logs"
	Traces       = "traces"
)

var paths = map[string]path{RemoteWrite1: pathRW1, RemoteWrite2: pathRW2, Metrics: pathMetrics, Logs: pathLogs, Traces: pathTraces}

// Count returns the number of items (samples and histograms, data points,
// log records or spans) in an uncompressed protobuf body of the kind. It
// reads each byte at most once per level of the kind's path (five at
// most), so its work is bounded by the body's size.
func Count(kind string, body []byte) (int, error) {
	p, ok := paths[kind]
	if !ok {
		return 0, fmt.Errorf("unknown kind %q", kind)
	}
	return p.count(body, 0)
}

var errTruncated = errors.New("truncated or malformed protobuf")

func (p path) count(b []byte, level int) (int, error) {
	n := 0
	for len(b) > 0 {
		num, typ, tagLen := protowire.ConsumeTag(b)
		if tagLen < 0 {
			return 0, fmt.Errorf("at level %d: %w", level, errTruncated)
		}
		b = b[tagLen:]
		if typ == protowire.BytesType && slices.Contains(p[level], num) {
			v, m := protowire.ConsumeBytes(b)
			if m < 0 {
				return 0, fmt.Errorf("field %d at level %d: %w", num, level, errTruncated)
			}
			b = b[m:]
			if level == len(p)-1 {
				n++
				continue
			}
			c, err := p.count(v, level+1)
			if err != nil {
				return 0, err
			}
			n += c
			continue
		}
		m := protowire.ConsumeFieldValue(num, typ, b)
		if m < 0 {
			return 0, fmt.Errorf("field %d at level %d: %w", num, level, errTruncated)
		}
		b = b[m:]
	}
	return n, nil
}

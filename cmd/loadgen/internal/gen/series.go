// Package gen pre-generates the load generator's requests: remote write
// 1.0 and 2.0 bodies shaped like a Prometheus scrape of many targets, and
// OTLP metrics and logs exports shaped like an SDK's or a Collector's.
// Bodies are built once, before the measurement; each send only patches
// their timestamps (see Template).
package gen

import (
	"fmt"
	"sort"
	"strconv"
)

// SeriesSet describes a Prometheus-shaped series set: Series series, each
// with Labels labels (__name__ included), spread round-robin over Names
// metric names, so a request of consecutive series carries about
// len/Names rows of every metric.
type SeriesSet struct {
	Series int
	Labels int
	Names  int
}

// Label is one label pair.
type Label struct{ Name, Value string }

// Validate reports a set that cannot be generated.
func (s SeriesSet) Validate() error {
	switch {
	case s.Series < 1:
		return fmt.Errorf("series %d: want at least 1", s.Series)
	case s.Names < 1 || s.Names > s.Series:
		return fmt.Errorf("metric names %d: want 1 to the series count (%d)", s.Names, s.Series)
	case s.Labels < 2 || s.Labels > 2+len(labelKeys)+64:
		return fmt.Errorf("labels per series %d: want 2 to %d", s.Labels, 2+len(labelKeys)+64)
	case s.Series/s.Names >= 1<<24:
		return fmt.Errorf("%d series per metric name: at most %d (the instance label keeps them apart)", s.Series/s.Names, 1<<24)
	}
	return nil
}

// labelKeys are the labels a Kubernetes service-discovery scrape attaches,
// in the order they are added; instance comes first because it alone keeps
// the series of one metric apart.
var labelKeys = []string{"instance", "job", "namespace", "pod", "container", "node", "service", "endpoint"}

var (
	jobs       = []string{"node-exporter", "kubernetes-pods", "kube-state-metrics", "cadvisor", "apiserver"}
	namespaces = []string{"default", "kube-system", "monitoring", "payments", "checkout", "search", "ingest", "frontend"}
	apps       = []string{"api", "worker", "gateway", "cache", "scheduler", "indexer", "billing"}
	metricBase = []string{
		"node_cpu_seconds", "http_requests", "process_resident_memory", "go_gc_duration",
		"container_memory_working_set", "node_network_receive", "grpc_server_handled",
		"kube_pod_container_status_restarts", "node_filesystem_avail", "http_request_duration",
	}
	metricUnit = []string{"total", "bytes", "seconds"}
)

// MetricName is the name of metric k, e.g. http_requests_3_total.
func MetricName(k int) string {
	return metricBase[k%len(metricBase)] + "_" + strconv.Itoa(k/len(metricBase)) + "_" + metricUnit[k%len(metricUnit)]
}

// SeriesLabels appends series i's labels to dst, sorted by name as
// Prometheus sends them. Series i has metric i%Names and is the
// (i/Names)-th series of that metric; its instance label is unique among
// those, so every series of the set is distinct.
func (s SeriesSet) SeriesLabels(dst []Label, i int) []Label {
	k, j := i%s.Names, i/s.Names
	app := apps[j%len(apps)]
	start := len(dst)
	dst = append(dst, Label{"__name__", MetricName(k)})
	for n := 1; n < s.Labels; n++ {
		var name, value string
		if n-1 < len(labelKeys) {
			name = labelKeys[n-1]
		} else {
			name = fmt.Sprintf("label_%02d", n-1-len(labelKeys))
		}
		switch name {
		case "instance":
			value = fmt.Sprintf("10.%d.%d.%d:9100", j>>16, j>>8&255, j&255)
		case "job":
			value = jobs[j%len(jobs)]
		case "namespace":
			value = namespaces[j/3%len(namespaces)]
		case "pod":
			value = fmt.Sprintf("%s-%08x-%05x", app, uint32(j*2654435761)>>4, j&0xfffff)
		case "container":
			value = app
		case "node":
			value = fmt.Sprintf("ip-10-0-%d-%d.ec2.internal", j/50%256, j%50)
		case "service":
			value = app + "-svc"
		case "endpoint":
			value = "http-metrics"
		default:
			value = fmt.Sprintf("value-%d", (j*7+n)%13)
		}
		dst = append(dst, Label{name, value})
	}
	ls := dst[start:]
	sort.Slice(ls, func(a, b int) bool { return ls[a].Name < ls[b].Name })
	return dst
}

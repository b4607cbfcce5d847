package promrw

import (
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/greptime-bridge/greptime-bridge/translate"
)

// Metrics are the receiver's Prometheus metrics.
type Metrics struct {
	requests *prometheus.CounterVec
	samples  *prometheus.CounterVec
	dropped  *prometheus.CounterVec
	latency  *prometheus.HistogramVec
}

// NewMetrics creates the metrics and registers them with reg (nil: not registered).
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "bridge_remote_write_requests_total", Help: "Remote-write requests by protocol version and HTTP status.",
		}, []string{"version", "status"}),
		samples: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "bridge_remote_write_received_total", Help: "Samples, histograms and exemplars received by remote write, by kind.",
		}, []string{"version", "kind"}),
		dropped: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "bridge_remote_write_dropped_total", Help: "Items received and not written (GreptimeDB stores none), by reason.",
		}, []string{"reason"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "bridge_remote_write_request_duration_seconds", Help: "Time from request to answer, by version.",
			Buckets: prometheus.ExponentialBuckets(0.005, 2, 12),
		}, []string{"version"}),
	}
	if reg != nil {
		reg.MustRegister(m.requests, m.samples, m.dropped, m.latency)
	}
	return m
}

func (m *Metrics) observe(version string, code int, d time.Duration) {
	m.requests.WithLabelValues(version, strconv.Itoa(code)).Inc()
	m.latency.WithLabelValues(version).Observe(d.Seconds())
}

func (m *Metrics) count(version string, out *translate.Output) {
	m.samples.WithLabelValues(version, "sample").Add(float64(out.Samples))
	m.samples.WithLabelValues(version, "histogram").Add(float64(out.Histograms))
	m.samples.WithLabelValues(version, "exemplar").Add(float64(out.Exemplars))
	for reason, n := range out.Dropped {
		m.dropped.WithLabelValues(reason).Add(float64(n))
	}
}

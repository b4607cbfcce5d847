package otlp

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/greptime-bridge/greptime-bridge/translate"
)

// Metrics are the OTLP receiver's Prometheus metrics.
type Metrics struct {
	requests *prometheus.CounterVec
	rows     *prometheus.CounterVec
	dropped  *prometheus.CounterVec
	latency  *prometheus.HistogramVec
	decoded  *prometheus.CounterVec
}

// NewMetrics creates the metrics and registers them with reg (nil: not registered).
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "bridge_otlp_requests_total", Help: "OTLP requests by signal, transport and status.",
		}, []string{"signal", "transport", "status"}),
		rows: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "bridge_otlp_rows_total", Help: "Rows produced from OTLP requests, by signal.",
		}, []string{"signal"}),
		dropped: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "bridge_otlp_dropped_total", Help: "OTLP items not written, by signal and reason.",
		}, []string{"signal", "reason"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "bridge_otlp_request_duration_seconds", Help: "Time from request to answer, by signal.",
			Buckets: prometheus.ExponentialBuckets(0.005, 2, 12),
		}, []string{"signal"}),
		decoded: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "bridge_otlp_protobuf_decoded_total",
			Help: "Protobuf OTLP metrics and logs requests by decoder: wire (straight into tables) or pdata (the fallback).",
		}, []string{"signal", "decoder"}),
	}
	if reg != nil {
		reg.MustRegister(m.requests, m.rows, m.dropped, m.latency, m.decoded)
	}
	return m
}

func (m *Metrics) observe(signal, transport, status string, d time.Duration) {
	m.requests.WithLabelValues(signal, transport, status).Inc()
	m.latency.WithLabelValues(signal).Observe(d.Seconds())
}

func (m *Metrics) received(signal string, out *translate.Output) {
	m.rows.WithLabelValues(signal).Add(float64(out.Rows()))
	for reason, n := range out.Dropped {
		m.dropped.WithLabelValues(signal, reason).Add(float64(n))
	}
}

func (m *Metrics) decodedBy(signal string, wire bool) {
	d := "pdata"
	if wire {
		d = "wire"
	}
	m.decoded.WithLabelValues(signal, d).Inc()
}

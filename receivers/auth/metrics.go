package auth

import "github.com/prometheus/client_golang/prometheus"

type metrics struct {
	unauthenticated prometheus.Counter
	forbidden       *prometheus.CounterVec
}

// newMetrics builds the counters and registers them when reg is not nil.
// Requests are labelled by the credential's configured name only: never a
// secret, and never a name the request sent (which could be anything, a
// mistyped password included).
func newMetrics(reg prometheus.Registerer) *metrics {
	m := &metrics{
		unauthenticated: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "bridge_auth_unauthenticated_total",
			Help: "Requests refused with 401 / Unauthenticated: missing or invalid credentials.",
		}),
		forbidden: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "bridge_auth_forbidden_total",
			Help: "Requests refused with 403 / PermissionDenied because the credential may not write to a database they named, by credential name.",
		},
			[]string{"credential"}),
	}
	if reg != nil {
		reg.MustRegister(m.unauthenticated, m.forbidden)
	}
	return m
}

package main

import (
	"log/slog"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/greptime-bridge/greptime-bridge/config"
	"github.com/greptime-bridge/greptime-bridge/receivers/cardinality"
	"github.com/greptime-bridge/greptime-bridge/translate"
)

// shapeLimits maps limits.shape onto the translators' limits.
func shapeLimits(cfg config.Config) translate.Limits {
	s := cfg.Limits.Shape
	return translate.Limits{
		MaxLabelsPerSeries:     s.MaxLabelsPerSeries,
		MaxLabelNameLength:     s.MaxLabelNameLength,
		MaxLabelValueLength:    s.MaxLabelValueLength,
		MaxSeriesPerRequest:    s.MaxSeriesPerRequest,
		MaxAttributesPerItem:   s.MaxAttributesPerItem,
		MaxAttributeValueBytes: s.MaxAttributeValueBytes,
	}
}

// seriesLimiter returns the series limiter of databases and
// database_defaults, or nil when no database has a series limit (the
// default), so the receivers skip the check entirely.
func seriesLimiter(cfg config.Config, reg prometheus.Registerer, log *slog.Logger) *cardinality.Limiter {
	limited := func(d config.Database) bool {
		return d.MaxHourlySeries != nil && *d.MaxHourlySeries > 0 || d.MaxDailySeries != nil && *d.MaxDailySeries > 0
	}
	on := limited(cfg.DatabaseDefaults)
	for name := range cfg.Databases {
		on = on || limited(cfg.ForDatabase(name))
	}
	if !on {
		return nil
	}
	return cardinality.New(cardinality.Config{
		Default: cfg.GreptimeDB.Database,
		For: func(db string) cardinality.Limits {
			d := cfg.ForDatabase(db)
			var l cardinality.Limits
			if d.MaxHourlySeries != nil {
				l.Hourly = *d.MaxHourlySeries
			}
			if d.MaxDailySeries != nil {
				l.Daily = *d.MaxDailySeries
			}
			return l
		},
	}, reg, log)
}

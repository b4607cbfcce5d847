package main

import (
	"github.com/greptime-bridge/greptime-bridge/config"
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

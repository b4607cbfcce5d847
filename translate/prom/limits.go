package prom

import (
	"fmt"
	"unicode/utf8"

	"github.com/greptime-bridge/greptime-bridge/translate"
)

// clipAt is how much of a name or value an error message quotes: enough to
// recognise the series, never a hostile 10 MB value echoed back.
const clipAt = 64

// clip quotes at most clipAt bytes of b.
func clip(b []byte) string {
	if len(b) <= clipAt {
		return fmt.Sprintf("%q", b)
	}
	return fmt.Sprintf("%q… (%d bytes)", b[:cut(b)], len(b))
}

// clipName is clip without quotes, for label names in a label list.
func clipName(b []byte) string {
	if len(b) <= clipAt {
		return string(b)
	}
	return string(b[:cut(b)]) + "…"
}

// cut returns where to cut b, a long slice, near clipAt bytes at a rune
// boundary.
func cut(b []byte) int {
	n := clipAt
	for n > 0 && !utf8.RuneStart(b[n]) {
		n--
	}
	return n
}

// where names the current series for a limit error: its metric name when
// known, else its first labels.
func (c *Converter) where(metric []byte, hasMetric bool) string {
	if hasMetric {
		return fmt.Sprintf("remote write %s series of metric %s", c.ver, clip(metric))
	}
	return fmt.Sprintf("remote write %s series {%s}", c.ver, c.labelList())
}

// checkSeriesCount refuses the request once it holds more series than
// opts.Limits.MaxSeriesPerRequest; n is the count including the series
// about to be decoded.
func (c *Converter) checkSeriesCount(n int) error {
	if limit := c.opts.Limits.MaxSeriesPerRequest; translate.Over(n, limit) {
		return translate.Exceeded(translate.LimitSeriesPerRequest, limit, n, fmt.Sprintf("remote write %s request", c.ver))
	}
	return nil
}

// maxShortLen is the longest name or value of a label canonicalLabelsV1
// takes: the whole Label message has a one-byte length (at most 0x7f),
// two bytes of which are the name's key and length and two the value's.
const maxShortLen = 0x7f - 4

// checkShape applies the per-series limits to the current series: n labels
// in all (routing labels included), the names and values in c.labels and
// the routing values in sp. Every count and length is already at hand, so
// this costs a comparison or two per label. short says that every name and
// value is at most maxShortLen bytes long (every label came through
// canonicalLabelsV1): then limits of maxShortLen or more cannot be passed
// and the per-label pass is skipped, as it is for the label sets senders
// produce under the default limits.
func (c *Converter) checkShape(n int, sp *specialLabels, short bool) error {
	lim := &c.opts.Limits
	if translate.Over(n, lim.MaxLabelsPerSeries) {
		return translate.Exceeded(translate.LimitLabelsPerSeries, lim.MaxLabelsPerSeries, n, c.where(sp.metric, sp.hasMetric)+" labels")
	}
	maxName, maxValue := lim.MaxLabelNameLength, lim.MaxLabelValueLength
	if maxName <= 0 && maxValue <= 0 {
		return nil
	}
	if short && (maxName <= 0 || maxName >= maxShortLen) && (maxValue <= 0 || maxValue >= maxShortLen) {
		return nil
	}
	for _, l := range c.labels {
		if translate.Over(len(l.name), maxName) {
			return translate.Exceeded(translate.LimitLabelNameLength, maxName, len(l.name), c.where(sp.metric, sp.hasMetric)+" label name "+clip(l.name)+" length")
		}
		if translate.Over(len(l.value), maxValue) {
			return translate.Exceeded(translate.LimitLabelValueLength, maxValue, len(l.value), c.where(sp.metric, sp.hasMetric)+" label "+clip(l.name)+" value length")
		}
	}
	for _, s := range [...]struct {
		name  string
		value []byte
	}{{labelName, sp.metric}, {"database", sp.db}, {"physical table", sp.phys}} {
		if translate.Over(len(s.value), maxValue) {
			// The routing labels' names are fixed and short; only their
			// values can be long.
			return translate.Exceeded(translate.LimitLabelValueLength, maxValue, len(s.value), c.where(sp.metric, sp.hasMetric && s.name != labelName)+" "+s.name+" label value length")
		}
	}
	return nil
}

package otlp

import (
	"fmt"
	"math"

	"github.com/greptime-bridge/greptime-bridge/translate"
)

// shapeNode describes one message of an OTLP metrics or logs export
// request (traces arrive as pdata only: checkShapeTraces) for the shape
// check: which field holds its attributes (repeated KeyValue) and which
// length-delimited fields lead to messages that may hold more. Field
// numbers from opentelemetry-proto v1 (common, resource, metrics, logs and
// trace .proto files).
type shapeNode struct {
	what     string
	attrs    int32
	children map[int32]*shapeNode
	// metric marks Metric, whose name (field 1) an error quotes.
	metric bool
}

var (
	shapeResource = &shapeNode{what: "resource", attrs: fResourceAttrs}
	shapeScope    = &shapeNode{what: "scope", attrs: fScopeAttrs}

	shapeMetrics = req(&shapeNode{children: map[int32]*shapeNode{
		fResResource: shapeResource,
		fResScope: {children: map[int32]*shapeNode{
			fScopeScope: shapeScope,
			fScopeItems: {metric: true, children: map[int32]*shapeNode{
				// Gauge and Sum hold NumberDataPoints (attributes 7),
				// Histogram HistogramDataPoints (9), ExponentialHistogram
				// its points (1), Summary SummaryDataPoints (7).
				fMetricGauge:     points(7),
				fMetricSum:       points(7),
				fMetricHistogram: points(9),
				fMetricExpHist:   points(1),
				fMetricSummary:   points(7),
			}},
		}},
	}})
	shapeLogs = req(&shapeNode{children: map[int32]*shapeNode{
		fResResource: shapeResource,
		fResScope: {children: map[int32]*shapeNode{
			fScopeScope: shapeScope,
			fScopeItems: {what: "log record", attrs: 6}, // LogRecord.attributes
		}},
	}})
)

func req(resource *shapeNode) *shapeNode {
	return &shapeNode{children: map[int32]*shapeNode{fRequestResource: resource}}
}

func points(attrs int32) *shapeNode {
	return &shapeNode{children: map[int32]*shapeNode{fGaugePoints: {what: "data point", attrs: attrs}}}
}

// checkShapeProto applies the attribute limits to an export request in
// protobuf form before it is decoded: one pass that reads tags and lengths
// and skips everything else, so an item with 200,000 attributes is refused
// before any of them is translated. Malformed bytes end the check without
// an error: the decoder that follows refuses them with its own message.
func checkShapeProto(body []byte, root *shapeNode, signal string, lim *translate.Limits) error {
	if lim.MaxAttributesPerItem <= 0 && lim.MaxAttributeValueBytes <= 0 {
		return nil
	}
	err := walkShape(body, root, lim, 0, safeBytes(lim))
	if err != nil {
		err.Where = "OTLP " + signal + " " + err.Where
		return translate.Exceeded(err.Limit, err.Max, err.Got, err.Where)
	}
	return nil
}

// maxShapeDepth bounds the walk; the deepest OTLP path it follows (request,
// resource list, scope list, span, link) is five messages.
const maxShapeDepth = 8

// safeBytes returns the size below which a message cannot break either
// limit: more than MaxAttributesPerItem attributes take at least two bytes
// each (a tag and a zero length), and a value of more than
// MaxAttributeValueBytes bytes takes more than that. Data points, records
// and spans are far smaller than that bound at the defaults, so the walk
// skips each of them in one comparison.
func safeBytes(lim *translate.Limits) int {
	safe := math.MaxInt
	if lim.MaxAttributesPerItem > 0 {
		safe = 2 * (lim.MaxAttributesPerItem + 1)
	}
	if lim.MaxAttributeValueBytes > 0 && lim.MaxAttributeValueBytes+1 < safe {
		safe = lim.MaxAttributeValueBytes + 1
	}
	return safe
}

func walkShape(b []byte, n *shapeNode, lim *translate.Limits, depth, safe int) *translate.ExceededError {
	if depth > maxShapeDepth || len(b) < safe {
		return nil
	}
	count := 0
	r := wireReader{b: b}
	for r.more() {
		num, wt, err := r.tag()
		if err != nil || wt != wtLen && r.skip(wt) != nil {
			return nil
		}
		if wt != wtLen {
			continue
		}
		v, err := r.bytes()
		if err != nil {
			return nil
		}
		if n.attrs != 0 && num == n.attrs {
			count++
			if e := checkKVProto(v, lim); e != nil {
				return n.located(e, b)
			}
			continue
		}
		if len(v) < safe {
			// The child returns at once (above): a data point or log
			// record, the bulk of a request, costs no map look-up and
			// no call. Both were over half of this walk's time under
			// otlp-logs load (issue #12).
			continue
		}
		if c := n.children[num]; c != nil {
			if e := walkShape(v, c, lim, depth+1, safe); e != nil {
				return n.located(e, b)
			}
		}
	}
	if translate.Over(count, lim.MaxAttributesPerItem) {
		return n.located(&translate.ExceededError{Limit: translate.LimitAttributesPerItem, Max: lim.MaxAttributesPerItem, Got: count, Where: "attributes"}, b)
	}
	return nil
}

// located prefixes e's place with this message's name, or for a metric its
// name field; messages without a name (lists) add nothing.
func (n *shapeNode) located(e *translate.ExceededError, b []byte) *translate.ExceededError {
	switch {
	case n.metric:
		e.Where = fmt.Sprintf("metric %q %s", clipString(metricNameProto(b)), e.Where)
	case n.what != "":
		e.Where = n.what + " " + e.Where
	}
	return e
}

// metricNameProto returns a Metric's name field, "" when absent or
// malformed.
func metricNameProto(b []byte) string {
	r := wireReader{b: b}
	for r.more() {
		num, wt, err := r.tag()
		if err != nil {
			return ""
		}
		if num == fMetricName && wt == wtLen {
			v, err := r.bytes()
			if err != nil {
				return ""
			}
			return string(v)
		}
		if r.skip(wt) != nil {
			return ""
		}
	}
	return ""
}

// checkKVProto checks one KeyValue's value size. Its encoded length bounds
// the bytes inside, so only values longer than the limit are measured.
func checkKVProto(kv []byte, lim *translate.Limits) *translate.ExceededError {
	if !translate.Over(len(kv), lim.MaxAttributeValueBytes) {
		return nil
	}
	var key, val []byte
	r := wireReader{b: kv}
	for r.more() {
		num, wt, err := r.tag()
		if err != nil {
			return nil
		}
		if wt != wtLen {
			if r.skip(wt) != nil {
				return nil
			}
			continue
		}
		v, err := r.bytes()
		if err != nil {
			return nil
		}
		switch num {
		case 1: // KeyValue.key
			key = v
		case 2: // KeyValue.value
			val = v
		}
	}
	if n := anyBytesProto(val, 0); translate.Over(n, lim.MaxAttributeValueBytes) {
		return &translate.ExceededError{
			Limit: translate.LimitAttributeValueBytes, Max: lim.MaxAttributeValueBytes, Got: n,
			Where: fmt.Sprintf("attribute %q value bytes", clipString(string(key))),
		}
	}
	return nil
}

// anyBytesProto sums the string and bytes values inside an AnyValue
// (string_value 1, array_value 5, kvlist_value 6, bytes_value 7), nested
// ones included, down to pdata's recursion limit.
func anyBytesProto(b []byte, depth int) int {
	if depth > maxAnyDepth {
		return 0
	}
	total := 0
	r := wireReader{b: b}
	for r.more() {
		num, wt, err := r.tag()
		if err != nil {
			return total
		}
		if wt != wtLen {
			if r.skip(wt) != nil {
				return total
			}
			continue
		}
		v, err := r.bytes()
		if err != nil {
			return total
		}
		switch num {
		case 1, 7:
			total += len(v)
		case 5: // ArrayValue.values (1): AnyValue
			total += sumFields(v, 1, func(x []byte) int { return anyBytesProto(x, depth+1) })
		case 6: // KeyValueList.values (1): KeyValue, whose value is field 2
			total += sumFields(v, 1, func(kv []byte) int {
				return sumFields(kv, 2, func(x []byte) int { return anyBytesProto(x, depth+1) })
			})
		}
	}
	return total
}

// sumFields adds f over the length-delimited fields numbered num in b.
func sumFields(b []byte, num int32, f func([]byte) int) int {
	total := 0
	r := wireReader{b: b}
	for r.more() {
		n, wt, err := r.tag()
		if err != nil {
			return total
		}
		if wt != wtLen {
			if r.skip(wt) != nil {
				return total
			}
			continue
		}
		v, err := r.bytes()
		if err != nil {
			return total
		}
		if n == num {
			total += f(v)
		}
	}
	return total
}

// clipString cuts s for an error message.
func clipString(s string) string {
	const clipLen = 64
	if len(s) <= clipLen {
		return s
	}
	n := clipLen
	for n > 0 && s[n]&0xC0 == 0x80 {
		n--
	}
	return s[:n] + "…"
}

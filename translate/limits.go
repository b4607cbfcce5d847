package translate

import (
	"fmt"

	"github.com/greptime-bridge/greptime-bridge/writer/errs"
)

// Limits bound the shape of what one request may carry. They are enforced
// while decoding, from counts and lengths the decoders already hold, and a
// request past any of them is refused whole with a permanent error naming
// the limit (ExceededError), so receivers answer 400 / InvalidArgument.
// A zero field means no limit: the zero value of Limits, used by tests and
// by library callers that bound requests themselves, refuses nothing.
type Limits struct {
	// MaxLabelsPerSeries bounds the labels of one remote-write series,
	// __name__ and the routing labels included.
	MaxLabelsPerSeries int
	// MaxLabelNameLength bounds a remote-write label name, in bytes.
	MaxLabelNameLength int
	// MaxLabelValueLength bounds a remote-write label value (the metric
	// name included), in bytes.
	MaxLabelValueLength int
	// MaxSeriesPerRequest bounds the series of one remote-write request.
	MaxSeriesPerRequest int
	// MaxAttributesPerItem bounds the attributes of one OTLP resource,
	// scope, data point, log record, span, span event or span link.
	MaxAttributesPerItem int
	// MaxAttributeValueBytes bounds the bytes of strings and byte arrays
	// in one OTLP attribute value, nested values included.
	MaxAttributeValueBytes int
}

// Limit names as they appear in errors: the configuration keys, so a user
// reading a 400 knows what to raise.
const (
	LimitLabelsPerSeries     = "limits.shape.max_labels_per_series"
	LimitLabelNameLength     = "limits.shape.max_label_name_length"
	LimitLabelValueLength    = "limits.shape.max_label_value_length"
	LimitSeriesPerRequest    = "limits.shape.max_series_per_request"
	LimitAttributesPerItem   = "limits.shape.max_attributes_per_item"
	LimitAttributeValueBytes = "limits.shape.max_attribute_value_bytes"
)

// ExceededError says which limit a request passed and where.
type ExceededError struct {
	// Limit is the configuration key of the limit (one of the Limit* names).
	Limit string
	// Max is the limit's value and Got what the request carried (at least
	// Max+1; a decoder may stop counting early).
	Max, Got int
	// Where names the offending item, e.g. `series {__name__="up", …}`.
	Where string
}

// Error renders the limit, its value and the offending item.
func (e *ExceededError) Error() string {
	return fmt.Sprintf("%s carries %d, more than %s = %d", e.Where, e.Got, e.Limit, e.Max)
}

// Exceeded returns a permanent (BadData) ExceededError.
func Exceeded(limit string, maxValue, got int, where string) error {
	return errs.NewPermanent(&ExceededError{Limit: limit, Max: maxValue, Got: got, Where: where})
}

// Over reports whether n passes limit maxValue (0 meaning no limit).
func Over(n, maxValue int) bool { return maxValue > 0 && n > maxValue }

// DefaultLimits returns the limits of the bridge's default configuration
// (config.Default, where each number is explained; cmd/bridge's tests hold
// the two equal), for benchmarks and library callers that want them.
func DefaultLimits() Limits {
	return Limits{
		MaxLabelsPerSeries:     256,
		MaxLabelNameLength:     1024,
		MaxLabelValueLength:    64 << 10,
		MaxSeriesPerRequest:    500_000,
		MaxAttributesPerItem:   1024,
		MaxAttributeValueBytes: 1 << 20,
	}
}

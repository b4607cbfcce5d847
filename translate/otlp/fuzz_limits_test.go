package otlp

import (
	"context"
	"errors"
	"strings"
	"testing"

	"go.opentelemetry.io/collector/pdata/plog/plogotlp"
	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.opentelemetry.io/collector/pdata/pmetric/pmetricotlp"
	"google.golang.org/protobuf/encoding/protowire"

	"github.com/greptime-bridge/greptime-bridge/translate"
)

// fuzzLimits are shape limits small enough that the fuzzer reaches every
// limit check: an item with nine attributes, a value of 65 bytes.
var fuzzLimits = translate.Limits{MaxAttributesPerItem: 8, MaxAttributeValueBytes: 64}

// checkLimited holds a translation under fuzzLimits to the same one without
// limits: a limit may only refuse a request, with an ExceededError, and
// never changes what an accepted request becomes. run translates with the
// given limits and returns the output's dump.
func checkLimited(t *testing.T, run func(translate.Limits) (string, error)) {
	t.Helper()
	limited, lerr := run(fuzzLimits)
	free, ferr := run(translate.Limits{})
	switch {
	case lerr == nil && ferr != nil:
		t.Fatalf("accepted under limits, refused without them: %v", ferr)
	case lerr == nil && limited != free:
		t.Fatalf("limits changed an accepted translation:\n--- limited\n%s\n--- unlimited\n%s", limited, free)
	case lerr != nil && ferr == nil && !isExceeded(lerr):
		t.Fatalf("refused under limits with an error that names no limit: %v", lerr)
	}
}

func isExceeded(err error) bool {
	var ex *translate.ExceededError
	return errors.As(err, &ex)
}

// diffLimited is the wire-versus-pdata differential under fuzzLimits. Both
// paths must accept with the same output or both refuse, with one known
// exception: the wire path's pre-check (checkShapeProto) measures the bytes
// as encoded, while protobuf decoding keeps the last of a scalar field
// encoded twice and of a oneof set twice, and merges a message field
// encoded twice (the Protocol Buffers encoding guide, "Last One Wins").
// Where such bytes reach the pre-check (an AnyValue's string_value twice:
// TestLimitedDifferentialMergeCase) the two may count differently and
// disagree, but only with an ExceededError, and only on such bytes:
// re-encoded canonically (pdata's marshalling of what it decoded, every
// field once) they must agree again. try returns both paths' errors, diff
// runs the strict differential, canon re-encodes (ok false when the body
// does not decode).
func diffLimited(t *testing.T, body []byte, try func([]byte) (wireErr, pdataErr error),
	diff func([]byte), canon func([]byte) ([]byte, bool),
) {
	t.Helper()
	werr, perr := try(body)
	if (werr != nil) == (perr != nil) {
		diff(body)
		return
	}
	refusal := werr
	if refusal == nil {
		refusal = perr
	}
	if !isExceeded(refusal) {
		t.Fatalf("wire error %v, pdata error %v: the refusal names no limit", werr, perr)
	}
	c, ok := canon(body)
	if !ok {
		t.Fatalf("wire error %v, pdata error %v on bytes pdata cannot re-encode", werr, perr)
	}
	diff(c)
}

// diffMetricsLimited runs diffLimited for metrics with opts plus fuzzLimits.
func diffMetricsLimited(t *testing.T, c *Converter, body []byte, opts RequestOptions) {
	t.Helper()
	opts.Limits = fuzzLimits
	db := translate.DefaultDatabaseOptions()
	try := func(b []byte) (error, error) {
		_, perr := pdataMetrics(b, db, opts)
		c.Reset()
		_, werr := c.MetricsProto(context.Background(), b, db, &opts, &translate.Output{})
		return werr, perr
	}
	canon := func(b []byte) ([]byte, bool) {
		req := pmetricotlp.NewExportRequest()
		if req.UnmarshalProto(b) != nil {
			return nil, false
		}
		out, err := req.MarshalProto()
		return out, err == nil
	}
	diffLimited(t, body, try, func(b []byte) { diffMetrics(t, c, b, db, opts) }, canon)
}

// diffLogsLimited is diffMetricsLimited for logs.
func diffLogsLimited(t *testing.T, c *Converter, body []byte, opts RequestOptions) {
	t.Helper()
	opts.Limits = fuzzLimits
	try := func(b []byte) (error, error) {
		_, perr := pdataLogs(b, opts)
		c.Reset()
		_, werr := c.LogsProto(context.Background(), b, &opts, &translate.Output{})
		return werr, perr
	}
	canon := func(b []byte) ([]byte, bool) {
		req := plogotlp.NewExportRequest()
		if req.UnmarshalProto(b) != nil {
			return nil, false
		}
		out, err := req.MarshalProto()
		return out, err == nil
	}
	diffLimited(t, body, try, func(b []byte) { diffLogs(t, c, b, opts) }, canon)
}

// TestLimitedDifferentialMergeCase builds the exception diffLimited allows:
// a resource attribute whose AnyValue carries string_value twice, 40 bytes
// each. The wire pre-check adds both (80 bytes, past fuzzLimits' 64) and
// refuses; protobuf decoding keeps the last (40) and pdata accepts. The
// canonical re-encoding holds one value, accepted on both paths. (A
// resource encoded twice is not such a case: the wire path hands it to
// pdata, whose merged count both paths then apply.)
func TestLimitedDifferentialMergeCase(t *testing.T) {
	str := protowire.AppendBytes(protowire.AppendTag(nil, 1, protowire.BytesType), []byte(strings.Repeat("x", 40))) // AnyValue.string_value
	kv := protowire.AppendBytes(protowire.AppendTag(nil, 1, protowire.BytesType), []byte("k"))                      // KeyValue.key
	kv = protowire.AppendBytes(protowire.AppendTag(kv, 2, protowire.BytesType), append(str, str...))                // KeyValue.value
	res := protowire.AppendBytes(protowire.AppendTag(nil, 1, protowire.BytesType), kv)                              // Resource.attributes
	md := pmetric.NewMetrics()
	g := md.ResourceMetrics().AppendEmpty().ScopeMetrics().AppendEmpty().Metrics().AppendEmpty()
	g.SetName("g")
	g.SetEmptyGauge().DataPoints().AppendEmpty().SetIntValue(1)
	base, err := pmetricotlp.NewExportRequestFromMetrics(md).MarshalProto()
	if err != nil {
		t.Fatal(err)
	}
	// base is one ExportMetricsServiceRequest.resource_metrics entry; its
	// payload gets the resource in front.
	rm, n := protowire.ConsumeBytes(base[protowire.SizeTag(1):])
	if n != len(base)-protowire.SizeTag(1) {
		t.Fatalf("unexpected base encoding")
	}
	rm = append(protowire.AppendBytes(protowire.AppendTag(nil, 1, protowire.BytesType), res), rm...) // ResourceMetrics.resource
	body := protowire.AppendBytes(protowire.AppendTag(nil, 1, protowire.BytesType), rm)

	opts := RequestOptions{PromoteAllResourceAttrs: true, Limits: fuzzLimits}
	db := translate.DefaultDatabaseOptions()
	_, perr := pdataMetrics(body, db, opts)
	_, werr := NewConverter().MetricsProto(context.Background(), body, db, &opts, &translate.Output{})
	if perr != nil || !isExceeded(werr) {
		t.Fatalf("repeated string_value: wire error %v, pdata error %v; want the wire refusing for the limit and pdata accepting", werr, perr)
	}
	// diffLimited accepts it, through the canonical re-encoding.
	diffMetricsLimited(t, NewConverter(), body, RequestOptions{PromoteAllResourceAttrs: true})
}

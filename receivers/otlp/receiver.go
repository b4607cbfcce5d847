package otlp

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sort"
	"strings"
	"sync"
	"time"

	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/greptime-bridge/greptime-bridge/pipeline"
	"github.com/greptime-bridge/greptime-bridge/receivers/auth"
	"github.com/greptime-bridge/greptime-bridge/receivers/cardinality"
	"github.com/greptime-bridge/greptime-bridge/receivers/dbselect"
	"github.com/greptime-bridge/greptime-bridge/receivers/internal/answer"
	"github.com/greptime-bridge/greptime-bridge/receivers/internal/inflight"
	"github.com/greptime-bridge/greptime-bridge/receivers/internal/ingress"
	"github.com/greptime-bridge/greptime-bridge/translate"
	totlp "github.com/greptime-bridge/greptime-bridge/translate/otlp"
	"github.com/greptime-bridge/greptime-bridge/writer/errs"
)

// Consumer takes translated batches and returns once they are written.
type Consumer interface {
	Consume(ctx context.Context, out *translate.Output) error
}

// Config configures the receiver.
type Config struct {
	// MaxRequestBytes bounds a compressed body; MaxDecompressedBytes the
	// decompressed one (HTTP 413 / gRPC ResourceExhausted beyond them).
	MaxRequestBytes      int64
	MaxDecompressedBytes int64
	// BudgetWait is how long a request waits for memory budget before it
	// is answered 503 / Unavailable.
	BudgetWait time.Duration
	// RetryAfter is sent with throttling answers without a server hint.
	RetryAfter time.Duration
	// Defaults are the translation options used where a request carries no
	// x-greptime-* header.
	Defaults totlp.RequestOptions
	// DBOptions returns the per-database choices for metrics.
	DBOptions func(database string) translate.DatabaseOptions
	// Schemas reports what GreptimeDB holds per table (the pipeline's
	// knowledge), for logs into existing tables and trace coercion.
	Schemas translate.SchemaLookup
	// Series, when set, refuses metrics requests bringing new series past
	// a database's hourly or daily series limit.
	Series *cardinality.Limiter
	// MaxInflight bounds the requests handled at once over HTTP and gRPC
	// together (default 256); one that waits longer than InflightWait
	// (default 1s) for a slot is answered 503 / Unavailable.
	MaxInflight  int
	InflightWait time.Duration
	// BodyGrace and MinBodyRate cut an HTTP body that arrives slower than
	// MinBodyRate bytes/s once BodyGrace has passed (0: no rate rule).
	BodyGrace   time.Duration
	MinBodyRate int64
}

// Receiver is the OTLP receiver shared by the HTTP and gRPC front ends.
type Receiver struct {
	cfg      Config
	next     Consumer
	budget   *pipeline.Budget
	selector *dbselect.Selector
	auth     *auth.Authenticator
	log      *slog.Logger
	metrics  *Metrics
	inflight *inflight.Limiter
	ingress  *ingress.Ingress
	convs    sync.Pool
	outs     sync.Pool
}

// New returns a receiver writing through next; budget and authn may be nil.
func New(cfg Config, next Consumer, budget *pipeline.Budget, sel *dbselect.Selector, authn *auth.Authenticator, m *Metrics, log *slog.Logger) *Receiver {
	if cfg.MaxRequestBytes <= 0 {
		cfg.MaxRequestBytes = ingress.DefaultMaxRequestBytes
	}
	if cfg.MaxDecompressedBytes <= 0 {
		cfg.MaxDecompressedBytes = ingress.DefaultMaxDecompressedBytes
	}
	if cfg.BudgetWait <= 0 {
		cfg.BudgetWait = time.Second
	}
	if cfg.RetryAfter <= 0 {
		cfg.RetryAfter = ingress.DefaultRetryAfter
	}
	if cfg.DBOptions == nil {
		cfg.DBOptions = func(string) translate.DatabaseOptions { return translate.DefaultDatabaseOptions() }
	}
	if sel == nil {
		sel = &dbselect.Selector{}
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if m == nil {
		m = NewMetrics(nil)
	}
	if cfg.MaxInflight <= 0 {
		cfg.MaxInflight = ingress.DefaultMaxInflight
	}
	r := &Receiver{
		cfg: cfg, next: next, budget: budget, selector: sel, auth: authn, log: log, metrics: m,
		inflight: inflight.New(cfg.MaxInflight, cfg.InflightWait),
		ingress: ingress.New(ingress.Config{
			MaxRequestBytes: cfg.MaxRequestBytes, MaxDecompressedBytes: cfg.MaxDecompressedBytes,
			BudgetWait: cfg.BudgetWait, BodyGrace: cfg.BodyGrace, MinBodyRate: cfg.MinBodyRate,
		}, budget),
	}
	r.convs.New = func() any { return totlp.NewConverter() }
	r.outs.New = func() any { return new(translate.Output) }
	return r
}

// decodeFactor bounds how many times its decompressed size an OTLP request
// holds while decoded, translated and written; reserved before decoding.
const decodeFactor = 16

// signal names, used in metrics and messages.
const (
	sigMetrics = "metrics"
	sigLogs    = "logs"
	sigTraces  = "traces"
)

// errPipeline refuses GreptimeDB pipeline names other than the trace model.
var errPipeline = errors.New("pipelines run inside GreptimeDB and are not supported by the bridge")

// options merges the request's x-greptime-* headers over the configured
// defaults and resolves the database in GreptimeDB's order.
func (r *Receiver) options(signal string, get func(string) string, queryDB string) (totlp.RequestOptions, error) {
	o, err := totlp.OptionsFromHeaders(get)
	if err != nil {
		return o, err
	}
	d := r.cfg.Defaults
	if get(totlp.HeaderMetricTranslationStrategy) == "" {
		o.Strategy = d.Strategy
	}
	if get(totlp.HeaderPromoteAllResourceAttrs) == "" && get(totlp.HeaderPromoteResourceAttrs) == "" && get(totlp.HeaderIgnoreResourceAttrs) == "" {
		o.PromoteAllResourceAttrs, o.ResourceAttrs = d.PromoteAllResourceAttrs, d.ResourceAttrs
	}
	if get(totlp.HeaderPromoteScopeAttrs) == "" {
		o.PromoteScopeAttrs = d.PromoteScopeAttrs
	}
	o.ConvertExponentialHistograms = d.ConvertExponentialHistograms
	o.Limits = d.Limits
	o.Schema = r.cfg.Schemas
	if o.PipelineName != "" && !(signal == sigTraces && o.PipelineName == totlp.TraceV1Pipeline) {
		return o, errs.NewPermanent(fmt.Errorf("pipeline %q: %w", o.PipelineName, errPipeline))
	}
	db, err := r.selector.Select(get, queryDB)
	if err != nil {
		return o, errs.NewPermanent(err)
	}
	o.Database = db
	return o, nil
}

// rawMetrics and rawLogs are protobuf request bodies, which translation
// decodes itself (straight into the table model where it can).
type (
	rawMetrics []byte
	rawLogs    []byte
)

// process translates one decoded payload and writes it. It returns how many
// items were rejected (partial success) and why.
// reserve moves the request's budget reservation (the caller releases it).
func (r *Receiver) process(ctx context.Context, signal string, payload any, opts *totlp.RequestOptions, wireBytes int, reserve func(want int64) error) (rejected int64, msg string, err error) {
	c := r.convs.Get().(*totlp.Converter)
	out := r.outs.Get().(*translate.Output)
	defer func() {
		c.Reset()
		r.convs.Put(c)
		out.Reset()
		r.outs.Put(out)
	}()
	rejected, msg, err = r.translateAndWrite(ctx, c, out, signal, payload, opts, wireBytes, reserve)
	if err != nil && opts.Schema != nil && pipeline.StaleSchema(err) {
		if _, isMetrics := payload.(rawMetrics); !isMetrics {
			// Logs and traces are translated against the table as the
			// bridge knew it; another replica or a user changed it since.
			// The pipeline forgot the table, so a second translation
			// aligns with the table as it is now, as GreptimeDB's own
			// handler would. The refused rows were not written (a
			// request's rows fail or succeed in one insert per table).
			c.Reset()
			out.Reset()
			rejected, msg, err = r.translateAndWrite(ctx, c, out, signal, payload, opts, wireBytes, reserve)
		}
	}
	if err != nil && pipeline.StaleSchema(err) {
		err = answer.Redact(err)
	}
	return rejected, msg, err
}

// translateAndWrite is one translation of payload and its write.
func (r *Receiver) translateAndWrite(ctx context.Context, c *totlp.Converter, out *translate.Output, signal string, payload any, opts *totlp.RequestOptions, wireBytes int, reserve func(want int64) error) (rejected int64, msg string, err error) {
	if err := r.translate(ctx, c, out, signal, payload, opts); err != nil {
		return 0, "", err
	}
	rejected, msg = dropped(out)
	r.metrics.received(signal, out)
	// True the reservation made before decoding up to what the request
	// holds: its body, its batches and their row-insert conversion.
	if err := reserve(pipeline.RequestBytes(wireBytes, out)); err != nil {
		return 0, "", err
	}
	// Every batch's database is checked before anything is written: the
	// one check that sees where translation really sends the rows.
	if err := r.auth.AuthorizeOutput(ctx, out); err != nil {
		return 0, "", err
	}
	// New series count against the database's cardinality limits only
	// once the request may write there.
	if signal == sigMetrics && r.cfg.Series != nil {
		if err := r.cfg.Series.Admit(out); err != nil {
			return 0, "", err
		}
	}
	if err := r.consume(ctx, signal, payload, opts, out); err != nil {
		if pipeline.StaleSchema(err) {
			// process may translate again; it redacts what it returns.
			return 0, "", err
		}
		return 0, "", answer.Redact(err)
	}
	return rejected, msg, nil
}

// translate is one translation of payload into out: the one every request
// goes through, and a queued request again when its table changed.
func (r *Receiver) translate(ctx context.Context, c *totlp.Converter, out *translate.Output, signal string, payload any, opts *totlp.RequestOptions) (err error) {
	switch p := payload.(type) {
	case rawMetrics:
		var wire bool
		wire, err = c.MetricsProto(ctx, p, r.cfg.DBOptions(opts.Database), opts, out)
		r.metrics.decodedBy(signal, wire)
	case rawLogs:
		var wire bool
		wire, err = c.LogsProto(ctx, p, opts, out)
		r.metrics.decodedBy(signal, wire)
	case pmetric.Metrics:
		err = c.Metrics(ctx, p, r.cfg.DBOptions(opts.Database), opts, out)
	case plog.Logs:
		err = c.Logs(ctx, p, opts, out)
	case ptrace.Traces:
		err = c.Traces(ctx, p, opts, out)
	case tracesRequest:
		err = c.Traces(ctx, p.td, opts, out)
	default:
		err = fmt.Errorf("unknown payload %T", payload)
	}
	return err
}

// dropped sums what translation did not write, for partial_success.
func dropped(out *translate.Output) (int64, string) {
	if len(out.Dropped) == 0 {
		return 0, ""
	}
	reasons := make([]string, 0, len(out.Dropped))
	var n int64
	for reason, c := range out.Dropped {
		if c == 0 {
			continue
		}
		n += int64(c)
		reasons = append(reasons, fmt.Sprintf("%d %s", c, reason))
	}
	if n == 0 {
		return 0, ""
	}
	sort.Strings(reasons)
	return n, "not written: " + strings.Join(reasons, ", ")
}

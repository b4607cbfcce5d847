package otlp

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/greptime-bridge/greptime-bridge/translate"
	totlp "github.com/greptime-bridge/greptime-bridge/translate/otlp"
	"github.com/greptime-bridge/greptime-bridge/writer/errs"
)

// SourceConsumer is a Consumer that keeps a request's source beside its
// batches (the disk queue, ack: on_queue), so the request can be
// translated again should its table change before its rows are written.
// Neither out nor src is kept after ConsumeSource returns.
type SourceConsumer interface {
	ConsumeSource(ctx context.Context, out *translate.Output, src *translate.Source) error
}

// consume hands out on; a logs or traces request going to a SourceConsumer
// goes with its source. Metrics need none: their tables are widened, not
// refused (tags are strings, values doubles; a new label is a new column
// GreptimeDB adds on insert), their translation does not read the table
// (metrics_rows.go), so a second one would give the same batches, and
// process never translates them again.
func (r *Receiver) consume(ctx context.Context, signal string, payload any, opts *totlp.RequestOptions, out *translate.Output) error {
	sc, ok := r.next.(SourceConsumer)
	if !ok || signal == sigMetrics {
		return r.next.Consume(ctx, out)
	}
	src, err := newSource(signal, payload, opts)
	if err != nil {
		return err
	}
	return sc.ConsumeSource(ctx, out, src)
}

// Names of the request options a Source keeps: the ones that shape a logs
// or traces translation and come with the request (x-greptime-* headers
// and the database selected for it). The limits and the schema lookup
// come from the receiver's configuration when translating again.
const (
	srcDatabase     = "database"
	srcHint         = "hint:" // + the hint's key
	srcLogTable     = "log_table_name"
	srcExtractKey   = "log_extract_key" // one per key, in order
	srcTraceTable   = "trace_table_name"
	srcPipeline     = "pipeline_name"
	srcPipelineVer  = "pipeline_version"
	srcPipelineArgs = "pipeline_params"
)

// newSource keeps payload as protobuf (protobuf requests as they came; a
// body decoded from JSON is encoded again) with opts.
func newSource(signal string, payload any, opts *totlp.RequestOptions) (*translate.Source, error) {
	src := &translate.Source{Signal: signal}
	var err error
	switch p := payload.(type) {
	case rawLogs:
		src.Payload = p
	case tracesRequest:
		src.Payload = p.raw
	case plog.Logs:
		src.Payload, err = (&plog.ProtoMarshaler{}).MarshalLogs(p)
	case ptrace.Traces:
		src.Payload, err = (&ptrace.ProtoMarshaler{}).MarshalTraces(p)
	default:
		return nil, fmt.Errorf("cannot keep a %s request of type %T for the disk queue", signal, payload)
	}
	if err != nil {
		return nil, fmt.Errorf("cannot encode a %s request for the disk queue: %w", signal, err)
	}
	add := func(name, value string) {
		if value != "" {
			src.Options = append(src.Options, translate.SourceOption{Name: name, Value: value})
		}
	}
	add(srcDatabase, opts.Database)
	for _, h := range opts.Hints {
		src.Options = append(src.Options, translate.SourceOption{Name: srcHint + h.Key, Value: h.Value})
	}
	add(srcLogTable, opts.LogTableName)
	for _, k := range opts.LogExtractKeys {
		src.Options = append(src.Options, translate.SourceOption{Name: srcExtractKey, Value: k})
	}
	add(srcTraceTable, opts.TraceTableName)
	add(srcPipeline, opts.PipelineName)
	add(srcPipelineVer, opts.PipelineVersion)
	add(srcPipelineArgs, opts.PipelineParams)
	return src, nil
}

// errSource refuses a source this receiver did not write (another
// version's, or a corrupt one).
var errSource = errors.New("cannot translate a queued request again")

// sourceOptions rebuilds a request's options from src over the configured
// defaults, as options did when the request arrived.
func (r *Receiver) sourceOptions(src *translate.Source) (totlp.RequestOptions, error) {
	o := r.cfg.Defaults
	o.Database, o.Hints, o.LogTableName, o.LogExtractKeys, o.TraceTableName = "", nil, "", nil, ""
	o.PipelineName, o.PipelineVersion, o.PipelineParams = "", "", ""
	o.Schema = r.cfg.Schemas
	for _, opt := range src.Options {
		switch {
		case opt.Name == srcDatabase:
			o.Database = opt.Value
		case strings.HasPrefix(opt.Name, srcHint):
			o.Hints.Set(strings.TrimPrefix(opt.Name, srcHint), opt.Value)
		case opt.Name == srcLogTable:
			o.LogTableName = opt.Value
		case opt.Name == srcExtractKey:
			o.LogExtractKeys = append(o.LogExtractKeys, opt.Value)
		case opt.Name == srcTraceTable:
			o.TraceTableName = opt.Value
		case opt.Name == srcPipeline:
			o.PipelineName = opt.Value
		case opt.Name == srcPipelineVer:
			o.PipelineVersion = opt.Value
		case opt.Name == srcPipelineArgs:
			o.PipelineParams = opt.Value
		default:
			return o, fmt.Errorf("%w: unknown option %q", errSource, opt.Name)
		}
	}
	return o, nil
}

// Retranslate translates a queued logs or traces request again from its
// source, against the tables as the pipeline knows them now, through the
// same translation as a request (queue.Retranslator). The request was
// authorized when it arrived, for the database its source keeps. Decoding
// is charged to the memory budget as a request's is.
func (r *Receiver) Retranslate(ctx context.Context, src *translate.Source, out *translate.Output) error {
	opts, err := r.sourceOptions(src)
	if err != nil {
		return errs.NewPermanent(err)
	}
	var payload any
	switch src.Signal {
	case sigLogs:
		payload = rawLogs(src.Payload)
	case sigTraces:
		req, err := decodeTraces(src.Payload)
		if err != nil {
			return errs.NewPermanent(fmt.Errorf("%w: traces payload: %w", errSource, err))
		}
		payload = req
	default:
		return errs.NewPermanent(fmt.Errorf("%w: signal %q", errSource, src.Signal))
	}
	if r.budget != nil {
		want := min(decodeFactor*int64(len(src.Payload)), r.budget.Limit())
		if err := r.budget.Acquire(ctx, want, r.cfg.BudgetWait); err != nil {
			return err
		}
		defer r.budget.Release(want)
	}
	c := r.convs.Get().(*totlp.Converter)
	defer func() {
		c.Reset()
		r.convs.Put(c)
	}()
	return r.translate(ctx, c, out, src.Signal, payload, &opts)
}

package otlp

import (
	"context"
	"sort"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"

	"github.com/greptime-bridge/greptime-bridge/translate"
	"github.com/greptime-bridge/greptime-bridge/writer/table"
)

// logSchema is GreptimeDB's opentelemetry_logs layout, column for column
// (src/servers/src/otlp/logs.rs build_otlp_logs_identity_schema). The JSON
// columns are GreptimeDB's JSONB columns; a row insert carries their JSON
// text (greptimedb-protocol.md §3.4).
var logSchema = [...]struct {
	name string
	typ  table.DataType
	sem  table.SemanticType
}{
	{"timestamp", table.TimestampNanosecond, table.Timestamp},
	{"trace_id", table.String, table.Field},
	{"span_id", table.String, table.Field},
	{"severity_text", table.String, table.Field},
	{"severity_number", table.Int32, table.Field},
	{"body", table.String, table.Field},
	{"log_attributes", table.JSON, table.Field},
	{"trace_flags", table.Uint32, table.Field},
	{"scope_name", table.String, table.Tag},
	{"scope_version", table.String, table.Field},
	{"scope_attributes", table.JSON, table.Field},
	{"scope_schema_url", table.String, table.Field},
	{"resource_attributes", table.JSON, table.Field},
	{"resource_schema_url", table.String, table.Field},
}

const (
	logTS = iota
	logTraceID
	logSpanID
	logSeverityText
	logSeverityNumber
	logBody
	logAttrs
	logFlags
	logScopeName
	logScopeVersion
	logScopeAttrs
	logScopeURL
	logResAttrs
	logResURL
)

// FulltextOptionKey and FulltextOptionValue are the column option GreptimeDB
// puts on the log body (logs.rs: ColumnOptions {"fulltext": {"enable":true}},
// the key api::v1::column_def FULLTEXT_GRPC_KEY). The server fills in the
// defaults: analyzer English, case-insensitive, bloom backend.
const (
	FulltextOptionKey   = "fulltext"
	FulltextOptionValue = `{"enable":true}`
)

// extractCol is one x-greptime-log-extract-keys column of this request.
type extractCol struct {
	key string
	typ table.DataType
	col int
	// known is set for a column the table already holds (§7.3).
	known bool
}

// keyVal is an extract key's value in one attribute map, if any.
type keyVal struct {
	v  pcommon.Value
	ok bool
}

// logCtx is the per-request state of a logs translation.
type logCtx struct {
	b        *table.Batch
	keys     []string // sorted, deduplicated extract keys
	extract  []extractCol
	resVals  []keyVal // per key: the value found in the resource
	scopVals []keyVal // per key: the value found in the scope
}

// Logs translates ld into the opentelemetry_logs table (or
// opts.LogTableName), as GreptimeDB's identity path writes it
// (src/servers/src/otlp/logs.rs). Extract keys become extra columns in the
// order a value is first met (greptimedb-tables.md §7.2). A float, array or
// map value for an extract key is refused, as GreptimeDB answers 400.
// When opts.Schema knows the table, the rows are aligned to it as
// GreptimeDB does for an existing table (greptimedb-tables.md §7.3; see
// logsExisting).
// On error out may hold part of the request and must be discarded.
func (c *Converter) Logs(ctx context.Context, ld plog.Logs, opts *RequestOptions, out *translate.Output) error {
	if opts == nil {
		opts = &RequestOptions{}
	}
	if err := checkShapeLogs(ld, &opts.Limits); err != nil {
		return err
	}
	// http/otlp.rs: any pipeline name selects GreptimeDB's pipeline engine
	// (PipelineWay::from_name_and_default) instead of this layout; the
	// bridge runs no pipelines, so it refuses rather than write a layout
	// the sender did not ask for.
	if opts.PipelineName != "" {
		return badInput("log pipeline %q is not supported: the bridge writes only the %s layout; drop the %s header", opts.PipelineName, DefaultLogTable, HeaderPipelineName)
	}
	name := opts.LogTableName
	if name == "" {
		name = DefaultLogTable
	}
	if ld.LogRecordCount() == 0 {
		return nil
	}
	if known, ok := knownTable(opts, name); ok {
		return c.logsExisting(ctx, ld, opts, name, known, out)
	}
	b, err := logTable(opts, name, out)
	if err != nil {
		return err
	}
	lc := &logCtx{b: b}
	if len(opts.LogExtractKeys) > 0 {
		// pipeline/src/manager.rs SelectInfo::from: split on ',', sorted,
		// deduplicated, not trimmed.
		lc.keys = append([]string(nil), opts.LogExtractKeys...)
		sort.Strings(lc.keys)
		lc.keys = dedupSorted(lc.keys)
		lc.resVals = make([]keyVal, len(lc.keys))
		lc.scopVals = make([]keyVal, len(lc.keys))
	}
	rls := ld.ResourceLogs()
	for i := 0; i < rls.Len(); i++ {
		rl := rls.At(i)
		res := rl.Resource().Attributes()
		c.jsonBuf = appendJSONBMap(c.jsonBuf[:0], res)
		resJSON := string(c.jsonBuf)
		if err := checkUTF8("resource schema url", rl.SchemaUrl()); err != nil {
			return err
		}
		if err := c.lookupKeys(lc, name, res, lc.resVals); err != nil {
			return err
		}
		sls := rl.ScopeLogs()
		for j := 0; j < sls.Len(); j++ {
			sl := sls.At(j)
			scope := sl.Scope()
			c.jsonBuf = appendJSONBMap(c.jsonBuf[:0], scope.Attributes())
			scopeJSON := string(c.jsonBuf)
			for _, s := range []string{scope.Name(), scope.Version(), sl.SchemaUrl()} {
				if err := checkUTF8("scope field", s); err != nil {
					return err
				}
			}
			if err := c.lookupKeys(lc, name, scope.Attributes(), lc.scopVals); err != nil {
				return err
			}
			recs := sl.LogRecords()
			for k := 0; k < recs.Len(); k++ {
				if err := c.tick(ctx); err != nil {
					return err
				}
				rec := recs.At(k)
				cols := b.Columns()
				ts := rec.Timestamp()
				if ts == 0 {
					ts = rec.ObservedTimestamp()
				}
				cols[logTS].AppendInt64(int64(ts))
				tid, sid := rec.TraceID(), rec.SpanID()
				c.rowBuf = appendHex(c.rowBuf[:0], traceIDBytes(tid))
				cols[logTraceID].AppendBytes(c.rowBuf)
				c.rowBuf = appendHex(c.rowBuf[:0], spanIDBytes(sid))
				cols[logSpanID].AppendBytes(c.rowBuf)
				if err := checkUTF8("severity text", rec.SeverityText()); err != nil {
					b.CancelRow()
					return err
				}
				cols[logSeverityText].AppendString(rec.SeverityText())
				cols[logSeverityNumber].AppendInt64(int64(rec.SeverityNumber()))
				if err := c.appendBody(cols[logBody], rec.Body()); err != nil {
					b.CancelRow()
					return err
				}
				c.jsonBuf = appendJSONBMap(c.jsonBuf[:0], rec.Attributes())
				cols[logAttrs].AppendBytes(c.jsonBuf)
				cols[logFlags].AppendUint64(uint64(rec.Flags()))
				cols[logScopeName].AppendString(scope.Name())
				cols[logScopeVersion].AppendString(scope.Version())
				cols[logScopeAttrs].AppendString(scopeJSON)
				cols[logScopeURL].AppendString(sl.SchemaUrl())
				cols[logResAttrs].AppendString(resJSON)
				cols[logResURL].AppendString(rl.SchemaUrl())
				if len(lc.keys) > 0 {
					if err := c.extractRow(lc, name, rec.Attributes()); err != nil {
						b.CancelRow()
						return err
					}
				}
				if err := b.EndRow(); err != nil {
					return badInput("%v", err)
				}
			}
		}
	}
	return nil
}

func dedupSorted(s []string) []string {
	out := s[:0]
	for i, x := range s {
		if i == 0 || x != s[i-1] {
			out = append(out, x)
		}
	}
	return out
}

// appendBody writes the body as logs.rs log_body_to_string does: a string
// raw, any other value serde_json text, an absent body NULL.
func (c *Converter) appendBody(col *table.Column, v pcommon.Value) error {
	switch v.Type() {
	case pcommon.ValueTypeEmpty:
		col.AppendNull()
	case pcommon.ValueTypeStr:
		if err := checkUTF8("log body", v.Str()); err != nil {
			return err
		}
		col.AppendString(v.Str())
	default:
		c.jsonBuf = appendSerdeValue(c.jsonBuf[:0], v)
		col.AppendBytes(c.jsonBuf)
	}
	return nil
}

// logTable returns the batch of the log table in the identity layout,
// creating its columns and hints the first time.
func logTable(opts *RequestOptions, name string, out *translate.Output) (*table.Batch, error) {
	b, fresh := batchFor(out, opts.Database, name)
	if fresh || b.NumColumns() == 0 {
		for _, s := range logSchema {
			col := b.MustColumn(s.name, s.typ, s.sem)
			if s.name == "body" {
				col.Options = map[string]string{FulltextOptionKey: FulltextOptionValue}
			}
			// Attributes are rendered as JSON by this package (json.go,
			// wire_json.go): the writer need not parse them again. Every
			// value of these columns is checked as UTF-8 as it is appended
			// (severity text, string body, scope fields, schema URLs),
			// rendered as ASCII (IDs) or rendered as JSON, whose strings
			// appendJSONString makes valid: the writer need not scan them
			// either (its pass was 1.9% of the CPU under otlp-logs load,
			// issue #12). Columns added after these (extracted keys) are
			// not marked.
			col.JSONChecked = s.typ == table.JSON
			col.UTF8Checked = s.typ == table.JSON || s.typ == table.String
		}
		// operator/src/insert.rs: AutoCreateTableType::Log sets
		// append_mode; frontend/src/instance/otlp.rs adds the semantics.
		b.Hints.Set(semSignalType, "log")
		b.Hints.Set(semSource, sourceOTel)
		applyHints(b, opts.Hints)
		// The log create type forces append mode and takes no metric
		// engine, whatever the request's hints say.
		b.Hints.Set("append_mode", "true")
		b.Hints = removeHint(b.Hints, "physical_table")
	}
	if err := checkFixedColumns(b, len(logSchema), func(i int) (string, table.DataType, table.SemanticType) {
		return logSchema[i].name, logSchema[i].typ, logSchema[i].sem
	}); err != nil {
		return nil, err
	}
	return b, nil
}

package otlp

import (
	"context"

	"go.opentelemetry.io/collector/pdata/plog/plogotlp"

	"github.com/greptime-bridge/greptime-bridge/translate"
	"github.com/greptime-bridge/greptime-bridge/writer/table"
)

// LogRecord field numbers (opentelemetry-proto logs/v1/logs.proto).
const (
	fLogTime       = 1
	fLogSevNumber  = 2
	fLogSevText    = 3
	fLogBody       = 5
	fLogAttrs      = 6
	fLogDropped    = 7
	fLogFlags      = 8
	fLogTraceID    = 9
	fLogSpanID     = 10
	fLogObserved   = 11
	fLogEventName  = 12
	fResLogsScopes = 1000 // ResourceLogs' deprecated instrumentation_library_logs
)

// LogsProto translates an ExportLogsServiceRequest in protobuf wire form,
// as Logs does with the same request unmarshalled by pdata. Like
// MetricsProto it decides before any output whether the wire path covers
// the request (the identity layout into a table not known to hold another,
// without extract keys or pipeline; one resource and scope per list) and
// otherwise unmarshals with pdata; wire reports the choice.
// out must be empty; body must stay unchanged until the batches have been
// consumed. A decoding error is permanent.
func (c *Converter) LogsProto(ctx context.Context, body []byte, opts *RequestOptions, out *translate.Output) (wire bool, err error) {
	if opts == nil {
		opts = &RequestOptions{}
	}
	if err := checkShapeProto(body, shapeLogs, "logs", &opts.Limits); err != nil {
		return true, err
	}
	name := opts.LogTableName
	if name == "" {
		name = DefaultLogTable
	}
	// A table GreptimeDB already holds in the identity layout (usually one
	// the bridge created) needs no alignment without extract keys: the
	// pdata path writes it exactly as a new table (logsExisting).
	known, isKnown := knownTable(opts, name)
	identity := !isKnown || logLayoutMatches(known)
	if identity && opts.PipelineName == "" && len(opts.LogExtractKeys) == 0 && len(out.Batches) == 0 {
		records := 0
		ok, err := walkLists(body, fResLogsScopes, func(num int32, _ []byte) (bool, error) {
			if num == fScopeItems {
				records++
			}
			return true, nil
		})
		if err != nil {
			return true, decodeErr("logs", body, err)
		}
		// Without records, pdata's answer (nothing, or its error) is cheap.
		if ok && records > 0 {
			return true, wireResult("logs", body, c.logsWire(ctx, body, opts, name, out))
		}
	}
	req := plogotlp.NewExportRequest()
	if err := req.UnmarshalProto(body); err != nil {
		return false, decodeErr("logs", body, err)
	}
	return false, c.Logs(ctx, req.Logs(), opts, out)
}

// logsWire is Logs on wire bytes LogsProto accepted.
func (c *Converter) logsWire(ctx context.Context, body []byte, opts *RequestOptions, name string, out *translate.Output) error {
	b, err := logTable(opts, name, out)
	if err != nil {
		return err
	}
	// The attribute memo and slots view the previous request's body, which
	// may have been reused since (logAttrsJSON).
	c.attrRaw, c.attrMemoOK = nil, false
	clear(c.recRaw)
	c.attrLayout.forget()
	r := wireReader{b: body}
	for r.more() {
		num, wt, err := r.tag()
		if err != nil {
			return err
		}
		if num != fRequestResource {
			if err := r.skip(wt); err != nil {
				return err
			}
			continue
		}
		rb, err := r.lenField(num, wt)
		if err != nil {
			return err
		}
		if err := c.wireResourceLogs(ctx, b, rb); err != nil {
			return err
		}
	}
	return nil
}

// logScope is what every row of one scope shares.
type logScope struct {
	resJSON, resURL string
	scopeJSON       string
	ws              wireScope
}

func (c *Converter) wireResourceLogs(ctx context.Context, b *table.Batch, rb []byte) error {
	var res, url []byte
	r := wireReader{b: rb}
	for r.more() {
		num, wt, err := r.tag()
		if err != nil {
			return err
		}
		switch num {
		case fResResource:
			res, err = r.lenField(num, wt)
		case fResSchemaURL:
			url, err = r.lenField(num, wt)
		default:
			err = r.skip(wt)
		}
		if err != nil {
			return err
		}
	}
	kvs, err := c.resourceKVs(res)
	if err != nil {
		return err
	}
	c.jsonBuf = appendJSONBKVs(c.jsonBuf[:0], kvs)
	ls := logScope{resJSON: string(c.jsonBuf), resURL: bytesView(url)}
	if err := checkUTF8("resource schema url", ls.resURL); err != nil {
		return err
	}
	r = wireReader{b: rb}
	for r.more() {
		num, wt, err := r.tag()
		if err != nil {
			return err
		}
		if num != fResScope {
			if err := r.skip(wt); err != nil {
				return err
			}
			continue
		}
		sb, err := r.lenField(num, wt)
		if err != nil {
			return err
		}
		if err := c.wireScopeLogs(ctx, b, sb, &ls); err != nil {
			return err
		}
	}
	return nil
}

// resourceKVs decodes a Resource's attributes into the converter's scratch.
func (c *Converter) resourceKVs(b []byte) ([]wireKV, error) {
	kvs := c.wireKVs[:0]
	var v anyVal
	r := wireReader{b: b}
	for r.more() {
		num, wt, err := r.tag()
		if err != nil {
			return nil, err
		}
		switch num {
		case fResourceAttrs:
			var kb, key []byte
			if kb, err = r.lenField(num, wt); err == nil {
				if key, err = decodeKV(kb, 0, &v); err == nil {
					kvs = append(kvs, wireKV{bytesView(key), v})
				}
			}
		case fResourceDropped:
			_, err = r.varField(num, wt)
		case fResourceEntities:
			var eb []byte
			if eb, err = r.lenField(num, wt); err == nil {
				err = checkEntityRef(eb)
			}
		default:
			err = r.skip(wt)
		}
		if err != nil {
			return nil, err
		}
	}
	c.wireKVs = kvs
	return kvs, nil
}

func (c *Converter) wireScopeLogs(ctx context.Context, b *table.Batch, sb []byte, ls *logScope) error {
	var scope []byte
	ls.ws = wireScope{}
	r := wireReader{b: sb}
	for r.more() {
		num, wt, err := r.tag()
		if err != nil {
			return err
		}
		switch num {
		case fScopeScope:
			scope, err = r.lenField(num, wt)
		case fScopeSchemaURL:
			ls.ws.schemaURL, err = r.lenField(num, wt)
		default:
			err = r.skip(wt)
		}
		if err != nil {
			return err
		}
	}
	kvs := c.wireKVs[:0]
	if err := decodeScope(scope, &ls.ws, func(key []byte, v *anyVal) error {
		kvs = append(kvs, wireKV{bytesView(key), *v})
		return nil
	}); err != nil {
		return err
	}
	c.wireKVs = kvs
	c.jsonBuf = appendJSONBKVs(c.jsonBuf[:0], kvs)
	ls.scopeJSON = string(c.jsonBuf)
	for _, s := range [][]byte{ls.ws.name, ls.ws.version, ls.ws.schemaURL} {
		if err := checkUTF8("scope field", bytesView(s)); err != nil {
			return err
		}
	}
	r = wireReader{b: sb}
	for r.more() {
		num, wt, err := r.tag()
		if err != nil {
			return err
		}
		if num != fScopeItems {
			if err := r.skip(wt); err != nil {
				return err
			}
			continue
		}
		rec, err := r.lenField(num, wt)
		if err != nil {
			return err
		}
		if err := c.tick(ctx); err != nil {
			return err
		}
		if err := c.wireLogRecord(b, rec, ls); err != nil {
			return err
		}
	}
	return nil
}

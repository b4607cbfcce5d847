package otlp

import (
	"bytes"

	"go.opentelemetry.io/collector/pdata/pcommon"

	"github.com/greptime-bridge/greptime-bridge/writer/table"
)

// wireRecord is a decoded LogRecord; strings view the request.
type wireRecord struct {
	ts, observed uint64
	sevNumber    int32
	sevText      []byte
	body         anyVal
	traceID      []byte
	spanID       []byte
	flags        uint32
	// attrs spans the attribute fields when they are adjacent, as senders
	// write them; split says they are not.
	attrs []byte
	split bool
}

// decodeLogRecord decodes a record but its attributes, whose span and
// fields (in c.recFields) it records for logAttrsJSON.
func (c *Converter) decodeLogRecord(b []byte, rec *wireRecord) error {
	start, end, last := -1, -1, int32(0)
	c.recFields = c.recFields[:0]
	r := wireReader{b: b}
	for r.more() {
		at := r.pos
		num, wt, err := r.tag()
		if err != nil {
			return err
		}
		switch num {
		case fLogTime:
			rec.ts, err = r.u64Field(num, wt)
		case fLogObserved:
			rec.observed, err = r.u64Field(num, wt)
		case fLogSevNumber:
			var x uint64
			x, err = r.varField(num, wt)
			rec.sevNumber = int32(x)
		case fLogSevText:
			rec.sevText, err = r.lenField(num, wt)
		case fLogBody:
			var bb []byte
			if bb, err = r.lenField(num, wt); err == nil {
				err = decodeAny(bb, 0, &rec.body) // repeated: merged, as pdata does
			}
		case fLogAttrs:
			var kb []byte
			if kb, err = r.lenField(num, wt); err == nil {
				c.recFields = append(c.recFields, kb)
				switch {
				case start < 0:
					start = at
				case last != fLogAttrs:
					rec.split = true
				}
				end = r.pos
			}
		case fLogDropped:
			_, err = r.varField(num, wt)
		case fLogFlags:
			if err = want(num, wt, wtI32); err == nil {
				rec.flags, err = r.fixed32()
			}
		case fLogTraceID:
			if rec.traceID, err = r.lenField(num, wt); err == nil {
				err = checkID(rec.traceID, 16, errBadTraceID)
			}
		case fLogSpanID:
			if rec.spanID, err = r.lenField(num, wt); err == nil {
				err = checkID(rec.spanID, 8, errBadSpanID)
			}
		case fLogEventName:
			_, err = r.lenField(num, wt)
		default:
			err = r.skip(wt)
		}
		if err != nil {
			return err
		}
		last = num
	}
	if start >= 0 {
		rec.attrs = b[start:end]
	}
	return nil
}

// logAttrsJSON renders a record's attributes, the KeyValues in
// c.recFields (decodeLogRecord), as the log_attributes JSON. Records often
// repeat the previous record's attributes byte for byte (telemetrygen's
// always do); then the previous text is the answer, and decoding them
// again could not fail either.
//
// On an error every slot is forgotten, and every rendered value: slots
// decoded before the failure hold this record's values while the layout
// still renders the previous record's, and a later record repeating one
// of them would otherwise be rendered with the older value. Within a
// request an error ends the translation (and Reset forgets them too), so
// this keeps the converter right for any later call, not only pooled use.
func (c *Converter) logAttrsJSON(rec *wireRecord) (_ []byte, err error) {
	if !rec.split && c.attrMemoOK && bytes.Equal(rec.attrs, c.attrRaw) {
		return c.attrJSON, nil
	}
	c.attrMemoOK = false
	// kvs and same are sized once: slot i of kvs keeps the decode of
	// recRaw[i], the previous record's field i, which this record may
	// share. Appending to them field by field and recording each field
	// in recRaw were 0.16 s of this function's 0.33 s own time in a
	// BenchmarkLogsWireLoadgen CPU profile; recRaw now takes over the
	// field list as a whole.
	n := len(c.recFields)
	kvs, same := c.recKVs[:cap(c.recKVs)], c.recSame[:cap(c.recSame)]
	if len(kvs) < n {
		kvs = append(kvs, make([]wireKV, n-len(kvs))...)
	}
	if len(same) < n {
		same = append(same, make([]bool, n-len(same))...)
	}
	kvs, same = kvs[:n], same[:n]
	prev := c.recRaw
	defer func() {
		c.recKVs, c.recSame = kvs, same
		if err != nil {
			// Slots up to the failure hold this record's decodes,
			// recRaw the previous record's fields.
			clear(c.recRaw)
			c.attrLayout.forget()
		}
	}()
	// The fields were found by decodeLogRecord: walking the record again
	// for them cost a second tag and length read per attribute (issue
	// #12, otlp-logs load).
	for i, kb := range c.recFields {
		if i < len(prev) && prev[i] != nil && bytes.Equal(kb, prev[i]) {
			// The previous record had these bytes here: slot i still
			// holds their decode, checked then.
			same[i] = true
			continue
		}
		same[i] = false
		// Decoded in place: copying each 96-byte wireKV in was 2.7% of
		// the CPU under log load (issue #12).
		kv := &kvs[i]
		key, err := decodeKV(kb, 0, &kv.v)
		if err != nil {
			return nil, err
		}
		kv.key = bytesView(key)
	}
	// Every slot now holds the decode of this record's field: its fields
	// become the ones the next record is compared with, and the previous
	// record's list is reused for the next record's fields.
	c.recRaw, c.recFields = c.recFields, prev[:0]
	c.attrJSON = c.attrLayout.render(kvs, same)
	if !rec.split {
		// A view into the request: logsWire drops the memo before each
		// request (copying it was 1.3% of the CPU under otlp-logs load,
		// where no record repeats the one before).
		c.attrRaw, c.attrMemoOK = rec.attrs, true
	}
	return c.attrJSON, nil
}

// wireLogRecord writes one record as Logs does.
func (c *Converter) wireLogRecord(b *table.Batch, rb []byte, ls *logScope) error {
	var rec wireRecord
	if err := c.decodeLogRecord(rb, &rec); err != nil {
		return err
	}
	attrs, err := c.logAttrsJSON(&rec)
	if err != nil {
		return err
	}
	cols := b.Columns()
	ts := rec.ts
	if ts == 0 {
		ts = rec.observed
	}
	cols[logTS].AppendInt64(int64(ts))
	c.rowBuf = appendHex(c.rowBuf[:0], nonZeroID(rec.traceID))
	cols[logTraceID].AppendBytes(c.rowBuf)
	c.rowBuf = appendHex(c.rowBuf[:0], nonZeroID(rec.spanID))
	cols[logSpanID].AppendBytes(c.rowBuf)
	if err := checkUTF8("severity text", bytesView(rec.sevText)); err != nil {
		b.CancelRow()
		return err
	}
	cols[logSeverityText].AppendBytes(rec.sevText)
	cols[logSeverityNumber].AppendInt64(int64(rec.sevNumber))
	switch rec.body.typ {
	case pcommon.ValueTypeEmpty:
		cols[logBody].AppendNull()
	case pcommon.ValueTypeStr:
		if err := checkUTF8("log body", bytesView(rec.body.s)); err != nil {
			b.CancelRow()
			return err
		}
		cols[logBody].AppendBytes(rec.body.s)
	default:
		c.jsonBuf = appendSerdeAny(c.jsonBuf[:0], &rec.body)
		cols[logBody].AppendBytes(c.jsonBuf)
	}
	cols[logAttrs].AppendBytes(attrs)
	cols[logFlags].AppendUint64(uint64(rec.flags))
	cols[logScopeName].AppendBytes(ls.ws.name)
	cols[logScopeVersion].AppendBytes(ls.ws.version)
	cols[logScopeAttrs].AppendString(ls.scopeJSON)
	cols[logScopeURL].AppendBytes(ls.ws.schemaURL)
	cols[logResAttrs].AppendString(ls.resJSON)
	cols[logResURL].AppendString(ls.resURL)
	if err := b.EndRow(); err != nil {
		return badInput("%v", err)
	}
	return nil
}

// nonZeroID is traceIDBytes for wire IDs: an all-zero ID is pdata's empty
// ID and prints as "".
func nonZeroID(id []byte) []byte {
	for _, x := range id {
		if x != 0 {
			return id
		}
	}
	return nil
}

package prom

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"math"

	"github.com/greptime-bridge/greptime-bridge/writer/errs"
)

// Field numbers of prometheus.WriteRequest and its messages
// (prometheus prompb/remote.proto and prompb/types.proto).
const (
	v1ReqTimeseries = 1
	v1ReqMetadata   = 3

	v1TSLabels     = 1
	v1TSSamples    = 2
	v1TSExemplars  = 3
	v1TSHistograms = 4

	v1LabelName  = 1
	v1LabelValue = 2

	v1SampleValue     = 1
	v1SampleTimestamp = 2
)

// errV1Histogram is GreptimeDB main's answer to a remote write 1.0 native
// histogram (prom_remote_write/decode.rs PromTimeSeries::merge_field).
var errV1Histogram = errors.New("remote write v1 native histogram ingestion is unsupported; use remote write v2")

func wireErr(v Version, what string, err error) error {
	return errs.NewPermanent(fmt.Errorf("cannot decode remote write %s %s: %w", v, what, err))
}

// translateV1 decodes a prometheus.WriteRequest.
func (c *Converter) translateV1(ctx context.Context, b []byte) error {
	if c.groupV1(b) {
		// Every field is a TimeSeries, within the series limit.
		c.grouped = true
		for _, s := range c.group.order {
			sp := c.group.spans[s]
			if err := c.seriesV1(b[sp.start:sp.end]); err != nil {
				return err
			}
			if err := c.checkCtx(ctx); err != nil {
				return err
			}
		}
		c.finish()
		return nil
	}
	metadata := 0
	for i := 0; i < len(b); {
		num, typ, next, err := tag(b, i)
		if err != nil {
			return wireErr(V1, "request", err)
		}
		i = next
		if num == v1ReqTimeseries && typ == wireLen {
			start, end, err := lenField(b, i)
			if err != nil {
				return wireErr(V1, "timeseries", err)
			}
			if err := c.checkSeriesCount(c.series + 1); err != nil {
				return err
			}
			if err := c.seriesV1(b[start:end]); err != nil {
				return err
			}
			if err := c.checkCtx(ctx); err != nil {
				return err
			}
			i = end
			continue
		}
		if typ != wireLen {
			// GreptimeDB refuses any top-level field that is not
			// length-delimited (decode.rs PromWriteRequest::decode
			// "invalid wire type").
			return wireErr(V1, "request", errWireType)
		}
		if num == v1ReqMetadata && typ == wireLen {
			metadata++
		}
		if i, err = skip(b, i, typ); err != nil {
			return wireErr(V1, "request", err)
		}
	}
	// Metadata (WriteRequest field 3) is skipped by GreptimeDB; a request
	// carrying only metadata succeeds with nothing written.
	c.out.Drop("metadata", metadata)
	c.finish()
	return nil
}

// seriesV1 decodes one TimeSeries field by field and appends its rows.
func (c *Converter) seriesV1(b []byte) error {
	c.labels = c.labels[:0]
	c.ts, c.vals = c.ts[:0], c.vals[:0]
	var sp specialLabels
	exemplars := 0
	i, nlabels := c.canonicalLabelsV1(b, &sp)
	canonical := nlabels
	// run is the end of the leading run of label fields keyed 0x0a (see
	// labelRun), runCount how many it holds.
	run, runCount := i, nlabels
	for i < len(b) {
		num, typ, next, err := tag(b, i)
		if err != nil {
			return wireErr(V1, "timeseries", err)
		}
		inRun := i == run && next == i+1
		i = next
		switch {
		case num == v1TSLabels && typ == wireLen:
			nlabels++
			start, end, err := lenField(b, i)
			if err != nil {
				return wireErr(V1, "label", err)
			}
			name, value, err := labelV1(b[start:end])
			if err != nil {
				return err
			}
			i = end
			if inRun {
				run, runCount = end, runCount+1
			}
			if !maybeSpecial(name) || !sp.take(name, value) {
				c.pushLabel(name, value)
			}
		case num == v1TSSamples && typ == wireLen:
			start, end, err := lenField(b, i)
			if err != nil {
				return wireErr(V1, "sample", err)
			}
			if err := c.sampleV1(b[start:end]); err != nil {
				return err
			}
			i = end
		case num == v1TSHistograms:
			return errs.NewPermanent(errV1Histogram)
		case num == v1TSLabels || num == v1TSSamples:
			// A known field with the wrong wire type: prost refuses it.
			return wireErr(V1, "timeseries", errWireType)
		default:
			if num == v1TSExemplars && typ == wireLen {
				exemplars++
			}
			if i, err = skip(b, i, typ); err != nil {
				return wireErr(V1, "timeseries", err)
			}
		}
	}
	if sp.repeated != nil {
		return errRepeated(V1, sp.repeated)
	}
	if err := c.checkShape(nlabels, &sp, canonical == nlabels); err != nil {
		return err
	}
	c.out.Samples += len(c.ts)
	c.out.Exemplars += exemplars
	// GreptimeDB stores no exemplars (decode.rs skips TimeSeries field 3).
	c.out.Drop("exemplar", exemplars)
	// When every label sits in the leading run and the run is plain ASCII,
	// every value is valid UTF-8: one pass over the run replaces a check
	// per value.
	c.checked = nlabels == runCount && asciiOnly(b[:run])
	return c.write(sp.metric, sp.hasMetric, sp.db, sp.hasDB, sp.phys, sp.hasPhys)
}

// write routes the current series and appends its rows. Special-label
// values pass the UTF-8 check like any value (decode.rs decode_string).
func (c *Converter) write(metric []byte, hasMetric bool, db []byte, hasDB bool, phys []byte, hasPhys bool) error {
	var err error
	if len(c.ts) == 0 {
		// No rows: GreptimeDB still validates the labels
		// (row_builder.rs add_labels_and_samples) but writes nothing, and
		// the bridge creates no empty table.
		return c.checkLabels()
	}
	if !hasMetric || len(metric) == 0 {
		// GreptimeDB v2 refuses this ("missing '__name__' label in
		// time-series"); v1 builds a table with an empty name whose
		// auto-create then fails (operator/src/statement/ddl.rs
		// NAME_PATTERN_REG), failing the request, so the bridge refuses it
		// up front in both versions.
		return errs.NewPermanent(fmt.Errorf("remote write %s: time series without a %s label (labels: %s)", c.ver, labelName, c.labelList()))
	}
	if !c.checked {
		if metric, err = checkValue(c.opts.UTF8, c.ver, bName, metric, &c.scratch); err != nil {
			return err
		}
		if hasDB {
			if db, err = checkValue(c.opts.UTF8, c.ver, bDatabase, db, &c.scratch); err != nil {
				return err
			}
		}
		if hasPhys {
			if phys, err = checkValue(c.opts.UTF8, c.ver, bPhysical, phys, &c.scratch); err != nil {
				return err
			}
		}
	}
	d, err := c.database(db, hasDB)
	if err != nil {
		return err
	}
	t, err := c.table(d, metric, phys, hasPhys)
	if err != nil {
		return err
	}
	if err := c.resolve(t); err != nil {
		return err
	}
	return c.emit(t, c.ts, c.vals)
}

// labelList renders the current series' labels for an error message.
func (c *Converter) labelList() string {
	if len(c.labels) == 0 {
		return "none"
	}
	s := ""
	for i, l := range c.labels {
		if i == 8 {
			s += ", …"
			break
		}
		if i > 0 {
			s += ", "
		}
		// Both clipped: a hostile name or value is not echoed whole.
		s += clipName(l.name) + "=" + clip(l.value)
	}
	return s
}

// canonicalLabelsV1 takes the leading labels of TimeSeries b that are
// encoded the way every sender encodes them (key 0x0a, then name and value
// fields, all lengths under 128) in one tight loop, and returns where it
// stopped and how many labels it took; the field loop takes the rest,
// including anything malformed, so errors are unchanged. The loop saves
// the generic tag, length and Label decoding per label.
func (c *Converter) canonicalLabelsV1(b []byte, sp *specialLabels) (int, int) {
	i, n := 0, 0
	for i+1 < len(b) && b[i] == 0x0a && b[i+1] < 0x80 {
		end := i + 2 + int(b[i+1])
		if end > len(b) {
			break
		}
		lb := b[i+2 : end]
		if len(lb) < 4 || lb[0] != 0x0a || lb[1] >= 0x80 {
			break
		}
		k := 2 + int(lb[1])
		if k+2 > len(lb) || lb[k] != 0x12 || lb[k+1] >= 0x80 || k+2+int(lb[k+1]) != len(lb) {
			break
		}
		name, value := lb[2:k], lb[k+2:]
		if !maybeSpecial(name) || !sp.take(name, value) {
			c.pushLabel(name, value)
		}
		i, n = end, n+1
	}
	return i, n
}

// labelV1 decodes a Label message.
func labelV1(b []byte) (name, value []byte, err error) {
	// Fast path for the canonical encoding every sender produces: name
	// (field 1) then value (field 2), each shorter than 128 bytes.
	if len(b) >= 4 && b[0] == 0x0a && b[1] < 0x80 {
		n := 2 + int(b[1])
		if n+2 <= len(b) && b[n] == 0x12 && b[n+1] < 0x80 && n+2+int(b[n+1]) == len(b) {
			return b[2:n], b[n+2:], nil
		}
	}
	for i := 0; i < len(b); {
		num, typ, next, err := tag(b, i)
		if err != nil {
			return nil, nil, wireErr(V1, "label", err)
		}
		i = next
		if (num == v1LabelName || num == v1LabelValue) && typ == wireLen {
			start, end, err := lenField(b, i)
			if err != nil {
				return nil, nil, wireErr(V1, "label", err)
			}
			if num == v1LabelName {
				name = b[start:end]
			} else {
				value = b[start:end]
			}
			i = end
			continue
		}
		if num == v1LabelName || num == v1LabelValue {
			return nil, nil, wireErr(V1, "label", errWireType)
		}
		if i, err = skip(b, i, typ); err != nil {
			return nil, nil, wireErr(V1, "label", err)
		}
	}
	return name, value, nil
}

// sampleV1 decodes a Sample message into c.ts/c.vals, keeping the float's
// exact bits (stale-marker NaN included).
func (c *Converter) sampleV1(b []byte) error {
	// Fast path for the canonical encoding: value (fixed64, field 1) then
	// timestamp (varint, field 2) filling the message exactly.
	if len(b) >= 11 && b[0] == 0x09 && b[9] == 0x10 {
		if u, n, err := varint(b, 10); err == nil && n == len(b) {
			c.ts = append(c.ts, int64(u))
			c.vals = append(c.vals, math.Float64frombits(binary.LittleEndian.Uint64(b[1:9])))
			return nil
		}
	}
	var v uint64
	var ts int64
	for i := 0; i < len(b); {
		num, typ, next, err := tag(b, i)
		if err != nil {
			return wireErr(V1, "sample", err)
		}
		i = next
		switch {
		case num == v1SampleValue && typ == wireI64:
			if v, i, err = fixed64(b, i); err != nil {
				return wireErr(V1, "sample", err)
			}
		case num == v1SampleTimestamp && typ == wireVarint:
			var u uint64
			if u, i, err = varint(b, i); err != nil {
				return wireErr(V1, "sample", err)
			}
			ts = int64(u)
		case num == v1SampleValue || num == v1SampleTimestamp:
			return wireErr(V1, "sample", errWireType)
		default:
			if i, err = skip(b, i, typ); err != nil {
				return wireErr(V1, "sample", err)
			}
		}
	}
	c.ts = append(c.ts, ts)
	c.vals = append(c.vals, math.Float64frombits(v))
	return nil
}

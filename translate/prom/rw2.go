package prom

import (
	"context"
	"errors"
	"fmt"
	"unicode/utf8"

	"github.com/greptime-bridge/greptime-bridge/writer/errs"
)

// Field numbers of io.prometheus.write.v2.Request and its messages
// (prometheus prompb/io/prometheus/write/v2/types.proto). The start
// timestamp sits in TimeSeries field 6 (created_timestamp) in 2.0-rc.3
// (Prometheus <= 3.7) and in Sample field 3 / Histogram field 17 in
// 2.0-rc.4 (Prometheus >= 3.8); both are accepted. GreptimeDB keeps a
// start timestamp only inside its native-histogram STRUCT, so for samples it
// is read and dropped.
const (
	v2ReqSymbols    = 4
	v2ReqTimeseries = 5

	v2TSLabelsRefs = 1
	v2TSSamples    = 2
	v2TSHistograms = 3
	v2TSExemplars  = 4
	v2TSMetadata   = 5
	v2TSCreatedTS  = 6 // rc.3 only

	v2SampleValue   = 1
	v2SampleTS      = 2
	v2SampleStartTS = 3 // rc.4

	v2MetaType    = 1
	v2MetaHelpRef = 3
	v2MetaUnitRef = 4
)

// internalHistogramColumn is the STRUCT field GreptimeDB writes native
// histograms to; a label of that name is refused (v2.rs
// ensure_no_internal_histogram_labels).
const internalHistogramColumn = "greptime_native_histogram"

var errV2Histogram = errors.New("remote write 2.0 native histograms are refused: GreptimeDB stores them as an experimental STRUCT field that the bridge cannot write; configure the bridge to convert them to classic _bucket/_sum/_count tables")

type v2State struct {
	symbols [][]byte
	series  [][]byte
	refs    []uint32
	hists   [][]byte
	names   map[string]struct{}
	h       histogram
	buckets []bucket
	le      []byte
	tname   []byte
	key     []byte
	kinds   map[string]struct{}
	valid   []uint8 // per symbol: 0 unchecked, 1 valid label name, 2 invalid
}

func (s *v2State) reset() {
	clear(s.symbols)
	s.symbols = s.symbols[:0]
	clear(s.series)
	s.series = s.series[:0]
	clear(s.hists)
	s.hists = s.hists[:0]
	s.refs = s.refs[:0]
	clear(s.names)
	clear(s.kinds)
}

func v2Err(format string, args ...any) error {
	return errs.NewPermanent(fmt.Errorf("remote write 2.0: "+format, args...))
}

// translateV2 decodes an io.prometheus.write.v2.Request (GreptimeDB:
// prom_remote_write/v2.rs decode_remote_write_v2 and convert_remote_write_v2).
func (c *Converter) translateV2(ctx context.Context, b []byte) error {
	s := &c.v2
	for i := 0; i < len(b); {
		num, typ, next, err := tag(b, i)
		if err != nil {
			return wireErr(V2, "request", err)
		}
		i = next
		if (num == v2ReqSymbols || num == v2ReqTimeseries) && typ == wireLen {
			start, end, err := lenField(b, i)
			if err != nil {
				return wireErr(V2, "request", err)
			}
			if num == v2ReqSymbols {
				s.symbols = append(s.symbols, b[start:end])
			} else {
				s.series = append(s.series, b[start:end])
			}
			i = end
			continue
		}
		if num == v2ReqSymbols || num == v2ReqTimeseries {
			return wireErr(V2, "request", errWireType)
		}
		if i, err = skip(b, i, typ); err != nil {
			return wireErr(V2, "request", err)
		}
	}
	if err := c.checkSeriesCount(len(s.series)); err != nil {
		return err
	}
	if len(s.symbols) == 0 || len(s.symbols[0]) != 0 {
		return v2Err("symbols must start with an empty string")
	}
	if c.opts.UTF8 == UTF8Strict {
		// Symbols are protobuf strings; GreptimeDB refuses the request when
		// any is not UTF-8 (v2.rs BorrowedRequest::decode).
		for i, sym := range s.symbols {
			if !utf8.Valid(sym) {
				return v2Err("symbol %d is not valid utf-8", i)
			}
		}
		c.checked = true
	}
	// Label names are validated once per symbol, not once per use.
	s.valid = append(s.valid[:0], make([]uint8, len(s.symbols))...)
	for _, ts := range s.series {
		if err := c.seriesV2(ts); err != nil {
			return err
		}
		if err := c.checkCtx(ctx); err != nil {
			return err
		}
	}
	c.finish()
	return nil
}

// seriesMeta is one series' inline Metadata.
type seriesMeta struct {
	typ        uint64
	help, unit uint32
}

// seriesV2 decodes one TimeSeries: a first pass collects label refs,
// samples, histogram messages and metadata (fields may come in any order),
// then the rows are written.
func (c *Converter) seriesV2(b []byte) error {
	s := &c.v2
	s.refs = s.refs[:0]
	clear(s.hists)
	s.hists = s.hists[:0]
	c.ts, c.vals = c.ts[:0], c.vals[:0]
	var meta seriesMeta
	exemplars := 0
	for i := 0; i < len(b); {
		num, typ, next, err := tag(b, i)
		if err != nil {
			return wireErr(V2, "timeseries", err)
		}
		i = next
		switch {
		case num == v2TSLabelsRefs && typ == wireLen:
			start, end, err := lenField(b, i)
			if err != nil {
				return wireErr(V2, "labels_refs", err)
			}
			for j := start; j < end; {
				var u uint64
				if u, j, err = varint(b[:end], j); err != nil {
					return wireErr(V2, "labels_refs", err)
				}
				s.refs = append(s.refs, uint32(u))
			}
			i = end
		case num == v2TSLabelsRefs && typ == wireVarint:
			var u uint64
			if u, i, err = varint(b, i); err != nil {
				return wireErr(V2, "labels_refs", err)
			}
			s.refs = append(s.refs, uint32(u))
		case num == v2TSSamples && typ == wireLen:
			start, end, err := lenField(b, i)
			if err != nil {
				return wireErr(V2, "sample", err)
			}
			if err := c.sampleV2(b[start:end]); err != nil {
				return err
			}
			i = end
		case num == v2TSHistograms && typ == wireLen:
			start, end, err := lenField(b, i)
			if err != nil {
				return wireErr(V2, "histogram", err)
			}
			s.hists = append(s.hists, b[start:end])
			i = end
		case num == v2TSExemplars && typ == wireLen:
			start, end, err := lenField(b, i)
			if err != nil {
				return wireErr(V2, "exemplar", err)
			}
			if err := checkMessage(b[start:end]); err != nil {
				return wireErr(V2, "exemplar", err)
			}
			exemplars++
			i = end
		case num == v2TSMetadata && typ == wireLen:
			start, end, err := lenField(b, i)
			if err != nil {
				return wireErr(V2, "metadata", err)
			}
			if err := meta.decode(b[start:end]); err != nil {
				return wireErr(V2, "metadata", err)
			}
			i = end
		case num == v2TSLabelsRefs || num == v2TSSamples || num == v2TSHistograms ||
			num == v2TSExemplars || num == v2TSMetadata:
			return wireErr(V2, "timeseries", errWireType)
		default:
			// Includes the rc.3 created_timestamp (field 6), read and
			// dropped like the rc.4 positions.
			if i, err = skip(b, i, typ); err != nil {
				return wireErr(V2, "timeseries", err)
			}
		}
	}
	c.out.Exemplars += exemplars
	c.out.Drop("exemplar", exemplars)
	if len(s.hists) > 0 && c.opts.NativeHistograms != NativeHistogramsClassic {
		return errs.NewPermanent(errV2Histogram)
	}
	if len(c.ts) == 0 && len(s.hists) == 0 {
		// GreptimeDB neither resolves labels nor writes anything for such a
		// series (v2.rs convert_remote_write_v2).
		return nil
	}
	metric, db, phys, hasDB, hasPhys, err := c.labelsV2()
	if err != nil {
		return err
	}
	if len(c.ts) > 0 && len(s.hists) > 0 {
		return v2Err("metric %q contains both samples and native histograms", metric)
	}
	mtype, unit, err := c.metaV2(&meta)
	if err != nil {
		return err
	}
	c.out.Samples += len(c.ts)
	c.out.Histograms += len(s.hists)
	d, err := c.database(db, hasDB)
	if err != nil {
		return err
	}
	if err := c.kind(d, metric, len(c.ts) > 0); err != nil {
		return err
	}
	if len(c.ts) > 0 {
		t, err := c.table(d, metric, phys, hasPhys)
		if err != nil {
			return err
		}
		t.recordMeta(mtype, unit)
		if err := c.resolve(t); err != nil {
			return err
		}
		return c.emit(t, c.ts, c.vals)
	}
	return c.histogramsV2(d, metric, phys, hasPhys, mtype, unit)
}

func (t *tableState) recordMeta(mtype, unit string) {
	if mtype != "" {
		record(&t.mtype, mtype)
		t.declared = true
	}
	if unit != "" {
		record(&t.unit, unit)
	}
}

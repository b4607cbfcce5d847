package prom

import "math"

// checkMessage walks a message's fields to catch malformed wire data in
// parts that are otherwise dropped (GreptimeDB decodes exemplars fully).
func checkMessage(b []byte) error {
	for i := 0; i < len(b); {
		_, typ, next, err := tag(b, i)
		if err != nil {
			return err
		}
		if i, err = skip(b, next, typ); err != nil {
			return err
		}
	}
	return nil
}

// sampleV2 decodes a v2 Sample into c.ts/c.vals.
func (c *Converter) sampleV2(b []byte) error {
	var v uint64
	var ts int64
	for i := 0; i < len(b); {
		num, typ, next, err := tag(b, i)
		if err != nil {
			return wireErr(V2, "sample", err)
		}
		i = next
		switch {
		case num == v2SampleValue && typ == wireI64:
			if v, i, err = fixed64(b, i); err != nil {
				return wireErr(V2, "sample", err)
			}
		case num == v2SampleTS && typ == wireVarint:
			var u uint64
			if u, i, err = varint(b, i); err != nil {
				return wireErr(V2, "sample", err)
			}
			ts = int64(u)
		case num == v2SampleValue || num == v2SampleTS:
			return wireErr(V2, "sample", errWireType)
		default:
			// v2SampleStartTS and unknown fields.
			if i, err = skip(b, i, typ); err != nil {
				return wireErr(V2, "sample", err)
			}
		}
	}
	c.ts = append(c.ts, ts)
	c.vals = append(c.vals, math.Float64frombits(v))
	return nil
}

// kind refuses a metric that has samples in one series and native
// histograms in another (v2.rs convert_remote_write_v2), also when the
// histograms are converted to classic tables of other names. Only
// histogram metrics are recorded, so sample-only requests pay nothing.
func (c *Converter) kind(d *dbState, metric []byte, samples bool) error {
	s := &c.v2
	if samples && len(s.kinds) == 0 {
		return nil
	}
	s.key = append(append(append(s.key[:0], d.name...), 0), metric...)
	if samples {
		if _, ok := s.kinds[string(s.key)]; ok {
			return v2Err("metric %q contains both samples and native histograms", metric)
		}
		return nil
	}
	if _, ok := d.tables[string(metric)]; ok {
		return v2Err("metric %q contains both samples and native histograms", metric)
	}
	if s.kinds == nil {
		s.kinds = make(map[string]struct{})
	}
	s.kinds[c.str(s.key)] = struct{}{}
	return nil
}

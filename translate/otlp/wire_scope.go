package otlp

// Resource and InstrumentationScope, shared by the metrics and logs walks.

// wireResourceTags is resourceTags on a Resource message.
func (c *Converter) wireResourceTags(m *metricCtx, b []byte) error {
	c.startResourceTags()
	if len(b) > largeResourceBytes && resourceAttrsAllTags(m) {
		c.reserveResourceTags(m, countFields(b, fResourceAttrs))
	}
	var rs resourceState
	var v anyVal
	r := wireReader{b: b}
	for r.more() {
		num, wt, err := r.tag()
		if err != nil {
			return err
		}
		switch num {
		case fResourceAttrs:
			var kb, key []byte
			if kb, err = r.lenField(num, wt); err == nil {
				if key, err = decodeKV(kb, 0, &v); err == nil {
					err = c.resourceAttr(m, &rs, bytesView(key), v.attr())
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
			return err
		}
	}
	return c.endResourceTags(m, &rs)
}

// checkEntityRef validates an EntityRef (schema_url 1, type 2, id_keys 3,
// description_keys 4: all strings), which the bridge does not use.
func checkEntityRef(b []byte) error {
	r := wireReader{b: b}
	for r.more() {
		num, wt, err := r.tag()
		if err != nil {
			return err
		}
		if num >= 1 && num <= 4 {
			_, err = r.lenField(num, wt)
		} else {
			err = r.skip(wt)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// wireScope is a decoded InstrumentationScope plus its scope's schema URL.
type wireScope struct {
	name, version, schemaURL []byte
}

// decodeScope reads an InstrumentationScope, calling attr (when not nil)
// with each attribute in order; every attribute is decoded either way.
func decodeScope(b []byte, s *wireScope, attr func(key []byte, v *anyVal) error) error {
	var v anyVal
	r := wireReader{b: b}
	for r.more() {
		num, wt, err := r.tag()
		if err != nil {
			return err
		}
		switch num {
		case fScopeName:
			s.name, err = r.lenField(num, wt)
		case fScopeVersion:
			s.version, err = r.lenField(num, wt)
		case fScopeAttrs:
			var kb, key []byte
			if kb, err = r.lenField(num, wt); err == nil {
				if key, err = decodeKV(kb, 0, &v); err == nil && attr != nil {
					err = attr(key, &v)
				}
			}
		case fScopeDropped:
			_, err = r.varField(num, wt)
		default:
			err = r.skip(wt)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// largeResourceBytes is the encoded size past which a resource's
// attributes are counted before they are read, so the tag list and its
// index are sized once: a resource this large may carry thousands of
// attributes, and counting costs a fraction of reading them.
const largeResourceBytes = 64 << 10

// countFields returns how many fields numbered num b holds at its top
// level; malformed bytes end the count (the read that follows reports
// them).
func countFields(b []byte, num int32) int {
	n := 0
	r := wireReader{b: b}
	for r.more() {
		f, wt, err := r.tag()
		if err != nil || r.skip(wt) != nil {
			return n
		}
		if f == num {
			n++
		}
	}
	return n
}

package otlp

// jsonLayout remembers how the last attribute list rendered through it
// was laid out as a JSON object: its keys in the order they came, the
// order of the members written (sorted, duplicates dropped) and each
// member's rendered `"key":` head. Log records of one call site carry the
// same keys in the same order, record after record, with other values;
// then the sort and the key escaping are done once. Keys are copied, so a
// layout outlives the request it was built from.
type jsonLayout struct {
	keys  []string // the keys in arrival order, viewing arena
	arena []byte
	order []int32 // index into the attribute list, per member written
	heads []byte  // each member's head, with the separating comma
	ends  []int32 // end of each member's head in heads
	ok    bool
	// vals holds the rendered value of the attribute at each position
	// while valOK says it renders the value there now (appendJSON).
	vals  [][]byte
	valOK []bool
}

// matches reports whether kvs has the layout's keys in the same order.
func (l *jsonLayout) matches(kvs []wireKV) bool {
	if !l.ok || len(kvs) != len(l.keys) {
		return false
	}
	for i := range kvs {
		if kvs[i].key != l.keys[i] {
			return false
		}
	}
	return true
}

// build lays out kvs, as appendJSONBKVs orders and renders them.
func (l *jsonLayout) build(kvs []wireKV) {
	l.arena = l.arena[:0]
	for i := range kvs {
		l.arena = append(l.arena, kvs[i].key...)
	}
	l.keys = l.keys[:0]
	at := 0
	for i := range kvs {
		n := len(kvs[i].key)
		l.keys = append(l.keys, bytesView(l.arena[at:at+n]))
		at += n
	}
	l.order = jsonMembers(l.order, kvs)
	l.heads, l.ends = l.heads[:0], l.ends[:0]
	for m, k := range l.order {
		if m > 0 {
			l.heads = append(l.heads, ',')
		}
		l.heads = appendJSONString(l.heads, kvs[k].key)
		l.heads = append(l.heads, ':')
		l.ends = append(l.ends, int32(len(l.heads)))
	}
	l.ok = true
}

// appendJSON is appendJSONBKVs through the layout, which it rebuilds when
// kvs does not match it. same[i] says that kvs[i] holds the value it held
// at the previous call (nil: none does); those values are not rendered
// again. Records of one call site mostly repeat all but one or two
// attribute values, and rendering them (string escaping) was 4% of the
// CPU under otlp-logs load (issue #12).
func (l *jsonLayout) appendJSON(b []byte, kvs []wireKV, same []bool) []byte {
	if !l.matches(kvs) {
		l.build(kvs)
	}
	for len(l.vals) < len(kvs) {
		l.vals, l.valOK = append(l.vals, nil), append(l.valOK, false)
	}
	for k := range kvs {
		if k >= len(same) || !same[k] {
			l.valOK[k] = false
		}
	}
	b = append(b, '{')
	start := int32(0)
	for m, k := range l.order {
		b = append(b, l.heads[start:l.ends[m]]...)
		start = l.ends[m]
		if !l.valOK[k] {
			l.vals[k], l.valOK[k] = appendJSONBAny(l.vals[k][:0], &kvs[k].v), true
		}
		b = append(b, l.vals[k]...)
	}
	return append(b, '}')
}

// forget marks every rendered value stale, for a converter's next request:
// the positions' values are compared with that request's records afresh.
func (l *jsonLayout) forget() { clear(l.valOK) }

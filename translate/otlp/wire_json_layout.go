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
	// out is the text of the last render and prev the one before, whose
	// buffer the next render reuses; the value of the attribute at
	// position k is out[spans[k].start:spans[k].end] while valOK[k].
	// Values are rendered straight into the text and a repeated one is
	// copied from the previous text: rendering each into a buffer of its
	// own and copying it in from there cost a second copy of every value
	// (issue #12, otlp-logs load, where most values change per record).
	out, prev []byte
	spans     []valSpan
	valOK     []bool
}

// valSpan is where a rendered value lies in a layout's text.
type valSpan struct{ start, end int32 }

// matches reports whether kvs has the layout's keys in the same order;
// same is render's, and a position holding the previous call's attribute
// holds its key, which the layout was made for.
func (l *jsonLayout) matches(kvs []wireKV, same []bool) bool {
	if !l.ok || len(kvs) != len(l.keys) {
		return false
	}
	for i := range kvs {
		if (i >= len(same) || !same[i]) && kvs[i].key != l.keys[i] {
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

// render returns appendJSONBKVs(nil, kvs) through the layout, which it
// rebuilds when kvs does not match it; the text is the layout's and valid
// until the next render. same[i] says that kvs[i] holds the attribute (key
// and value) it held at the previous call (nil: none does); those values
// are copied from the previous text rather than rendered again. Records
// of one call site mostly repeat some attribute values, and rendering
// them (string escaping) was 4% of the CPU under otlp-logs load (issue
// #12).
func (l *jsonLayout) render(kvs []wireKV, same []bool) []byte {
	if !l.matches(kvs, same) {
		l.build(kvs)
	}
	for len(l.spans) < len(kvs) {
		l.spans, l.valOK = append(l.spans, valSpan{}), append(l.valOK, false)
	}
	for k := range kvs {
		if k >= len(same) || !same[k] {
			l.valOK[k] = false
		}
	}
	// Positions past this list are not in the new text.
	clear(l.valOK[len(kvs):])
	b, prev := l.prev[:0], l.out
	b = append(b, '{')
	start := int32(0)
	for m, k := range l.order {
		b = append(b, l.heads[start:l.ends[m]]...)
		start = l.ends[m]
		at := int32(len(b))
		if l.valOK[k] {
			sp := l.spans[k]
			b = append(b, prev[sp.start:sp.end]...)
		} else {
			b = appendJSONBAny(b, &kvs[k].v)
			l.valOK[k] = true
		}
		l.spans[k] = valSpan{at, int32(len(b))}
	}
	if len(l.order) < len(kvs) {
		// A later duplicate key hides the others: their values are not
		// in the new text.
		clear(l.valOK[:len(kvs)])
		for _, k := range l.order {
			l.valOK[k] = true
		}
	}
	b = append(b, '}')
	l.out, l.prev = b, prev
	return b
}

// forget marks every rendered value stale, for a converter's next request:
// the positions' values are compared with that request's records afresh.
func (l *jsonLayout) forget() { clear(l.valOK) }

package greptimetest

import (
	"errors"
	"sync"

	gpb "github.com/GreptimeTeam/greptime-proto/go/greptime/v1"
	"google.golang.org/protobuf/proto"
)

// Bounds on what a pooled loadRequest keeps between requests, so one huge
// request does not pin its slabs, and on the names it interns.
const (
	maxKeptValues  = 1 << 22 // value variants (bytes)
	maxKeptColumns = 1 << 14 // column schemas
	maxInterned    = 1 << 14 // table and column names
	columnChunk    = 256     // column schemas allocated together
)

// loadRequest is a GreptimeRequest as the load mode reads it (walk): the
// header and, for a row insert, the checks' view of each insert without
// its values. A request the walk does not cover is decoded in full into
// full. It is pooled with its slabs.
type loadRequest struct {
	header  *gpb.RequestHeader
	full    *gpb.GreptimeRequest
	inserts []insertReq

	spans []insertSpan
	// prep holds, per insert, its JSON columns and their preprocessing
	// error; nil when no insert has a JSON column.
	prep   []jsonPrep
	schema []*gpb.ColumnSchema
	lens   []int32
	kinds  []uint8
	// chunks hold the column schemas; used counts those taken. Schemas
	// are reused by the next request, so nothing may keep a pointer to
	// one past the request (the checks copy what they keep).
	chunks [][]gpb.ColumnSchema
	used   int
	// names interns table and column names, which repeat from request to
	// request, so reading them allocates once per distinct name.
	names map[string]string
}

var loadRequests = sync.Pool{New: func() any { return &loadRequest{names: map[string]string{}} }}

func getLoadRequest() *loadRequest { return loadRequests.Get().(*loadRequest) }

func putLoadRequest(lr *loadRequest) {
	lr.reset()
	if cap(lr.kinds) > maxKeptValues || cap(lr.schema) > maxKeptColumns {
		return
	}
	loadRequests.Put(lr)
}

func (lr *loadRequest) reset() {
	lr.header, lr.full = nil, nil
	clear(lr.inserts)
	lr.inserts = lr.inserts[:0]
	clear(lr.spans)
	lr.spans = lr.spans[:0]
	lr.prep = nil
	clear(lr.schema)
	lr.schema = lr.schema[:0]
	lr.lens, lr.kinds = lr.lens[:0], lr.kinds[:0]
	lr.used = 0
}

// decode reads a request's wire bytes, walking them when it can and
// decoding them in full otherwise. It fails exactly when proto.Unmarshal
// fails, with the same message.
func (lr *loadRequest) decode(b []byte) error {
	lr.reset()
	err := lr.walk(b)
	if errors.Is(err, errFallback) {
		lr.reset()
		lr.full = &gpb.GreptimeRequest{}
		return proto.Unmarshal(b, lr.full)
	}
	if err != nil {
		return err
	}
	lr.prepareJSON()
	for _, sp := range lr.spans {
		lr.inserts = append(lr.inserts, insertReq{
			table:  sp.table,
			schema: lr.schema[sp.schema0:sp.schema1:sp.schema1],
			lens:   lr.lens[sp.lens0:sp.lens1:sp.lens1],
			kinds:  lr.kinds[sp.kinds0:sp.kinds1:sp.kinds1],
		})
	}
	return nil
}

// newColumn returns a zeroed column schema from the chunks and appends it
// to the schema slab.
func (lr *loadRequest) newColumn() *gpb.ColumnSchema {
	c, i := lr.used/columnChunk, lr.used%columnChunk
	if c == len(lr.chunks) {
		lr.chunks = append(lr.chunks, make([]gpb.ColumnSchema, columnChunk))
	}
	cs := &lr.chunks[c][i]
	*cs = gpb.ColumnSchema{}
	lr.used++
	lr.schema = append(lr.schema, cs)
	return cs
}

// intern returns b as a string, shared with earlier requests' equal names.
func (lr *loadRequest) intern(b []byte) string {
	if s, ok := lr.names[string(b)]; ok {
		return s
	}
	s := string(b)
	if len(lr.names) < maxInterned {
		lr.names[s] = s
	}
	return s
}

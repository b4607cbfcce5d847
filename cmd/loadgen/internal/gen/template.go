package gen

import (
	"encoding/binary"
	"fmt"
	"time"

	"google.golang.org/protobuf/encoding/protowire"
)

// Template is one pre-encoded, uncompressed request body and the places of
// its timestamps. Stamp copies it with the current time, so the same
// series set cycles across requests with fresh timestamps, as a scraper's
// does, at the cost of one copy and a few stores per sample.
type Template struct {
	// Body is the encoded request with the timestamps of generation time.
	Body []byte
	// Items counts what the request carries: samples (remote write), data
	// points or log records (OTLP).
	Items int

	stamps    []int // offsets of the timestamps in Body
	kind      stampKind
	width     int // varint stamps: their encoded width, the same for all
	perSeries int // varint stamps: consecutive stamps of one series
}

type stampKind uint8

const (
	// stampMillisVarint is a remote-write timestamp: int64 milliseconds
	// as a varint. Series have perSeries samples 15 s apart, the last one
	// at the stamp time, like a scrape replayed from a WAL.
	stampMillisVarint stampKind = iota
	// stampNanosFixed64 is an OTLP time_unix_nano: fixed64 nanoseconds.
	stampNanosFixed64
)

// scrapeInterval separates the samples of one series in a request.
const scrapeInterval = 15 * time.Second

// Stamp appends Body to dst[:0] with every timestamp set from now and
// returns it. It fails only when now's varint is wider or narrower than at
// generation (never between 2004 and 2109 for millisecond timestamps).
func (t *Template) Stamp(dst []byte, now time.Time) ([]byte, error) {
	dst = append(dst[:0], t.Body...)
	switch t.kind {
	case stampNanosFixed64:
		ns := uint64(now.UnixNano())
		for _, off := range t.stamps {
			binary.LittleEndian.PutUint64(dst[off:], ns)
		}
	case stampMillisVarint:
		var buf [binary.MaxVarintLen64]byte
		ms := now.UnixMilli()
		for i, off := range t.stamps {
			back := int64(t.perSeries-1-i%t.perSeries) * scrapeInterval.Milliseconds()
			v := protowire.AppendVarint(buf[:0], uint64(ms-back))
			if len(v) != t.width {
				return nil, fmt.Errorf("timestamp %d takes %d bytes, the template has %d", ms-back, len(v), t.width)
			}
			copy(dst[off:], v)
		}
	}
	return dst, nil
}

package promrw

import (
	"github.com/klauspost/compress/snappy"
	"github.com/klauspost/compress/zstd"

	"github.com/greptime-bridge/greptime-bridge/translate/prom"
)

// memoryFactor bounds how many times its decompressed size a request holds
// at its peak: the decompressed body, the translated columnar batches and
// the row-insert conversion while it is written. A remote-write sample
// takes at least 13 bytes of protobuf and becomes one row of up to
// (labels + 2) cells of about pipeline.BytesPerCell bytes each in the conversion; 32
// covers requests whose labels are shared by several samples per series.
// The budget reserves this much before decompressing, so a refused request
// costs almost nothing, and trues it up once the translated size is known.
const memoryFactor = 32

// estimateNeed returns the bytes to reserve for a compressed body before it
// is decompressed: snappy and zstd (when the frame says) carry the
// decompressed size in their headers; otherwise assume the largest allowed.
func estimateNeed(body []byte, enc prom.Encoding, maxDecompressed int64) int64 {
	decoded := maxDecompressed
	switch enc {
	case prom.Snappy:
		if n, err := snappy.DecodedLen(body); err == nil {
			decoded = int64(n)
		}
	case prom.Zstd:
		var h zstd.Header
		if err := h.Decode(body); err == nil && h.HasFCS {
			decoded = int64(h.FrameContentSize)
		}
	}
	if decoded > maxDecompressed {
		// DecodeAndTranslate refuses it as too large; reserve only the body.
		decoded = 0
	}
	return int64(len(body)) + memoryFactor*decoded
}

package promrw

import (
	"github.com/klauspost/compress/snappy"
	"github.com/klauspost/compress/zstd"

	"github.com/greptime-bridge/greptime-bridge/translate"
	"github.com/greptime-bridge/greptime-bridge/translate/prom"
)

// memoryFactor is how many times its decompressed size a request holds
// before it is written: the decompressed body and the translated columnar
// batches. The budget reserves this much before a request is decompressed,
// so refused requests cost almost nothing.
const memoryFactor = 2

// bytesPerCell is what the row-insert conversion holds per value while a
// batch is written (a greptime-proto Value and its share of the Row);
// reserved after translation, when the number of cells is known.
const bytesPerCell = 96

// writeNeed is the memory a translated request adds while it is written.
func writeNeed(out *translate.Output) int64 {
	var n int64
	for _, b := range out.Batches {
		n += int64(b.Rows()) * int64(b.NumColumns()) * bytesPerCell
	}
	return n
}

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

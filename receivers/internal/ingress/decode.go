package ingress

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"sync"

	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/s2"
	"github.com/klauspost/compress/zlib"
	"github.com/klauspost/compress/zstd"

	"github.com/greptime-bridge/greptime-bridge/pipeline"
	"github.com/greptime-bridge/greptime-bridge/writer/errs"
)

// maxSnappyRatio bounds how far a snappy block can expand: its densest
// element is a 3-byte copy of 64 bytes, so a claimed length above 22 times
// the compressed size is a lie, refused before any buffer is sized from it.
const maxSnappyRatio = 22

// Decode returns the body decompressed per enc, never holding more than
// MaxDecompressedBytes of output (413 at the limit, not after it) and
// reserving budget for the output as decompression produces it: a small
// body that claims or expands to a large one gets no memory it has not
// been charged for. Headers that declare a size (snappy's length, a zstd
// frame's content size) are checked against the limit before any
// decoding. Decode may be called again with another encoding after a
// failure (remote write's fallback for mislabelled bodies).
func (b *Body) Decode(enc Encoding) ([]byte, error) {
	raw := *b.raw
	limit := b.in.cfg.MaxDecompressedBytes
	if b.maxDecoded > 0 {
		limit = b.maxDecoded
	}
	if enc == Identity {
		if int64(len(raw)) > limit {
			return nil, fmt.Errorf("%w: %d bytes, limit %d", ErrTooLarge, len(raw), limit)
		}
		return raw, nil
	}
	if b.dec != nil {
		*b.dec = (*b.dec)[:0]
	}
	var err error
	switch enc {
	case Snappy:
		err = b.unsnappy(raw, limit)
	case Zstd:
		err = b.unzstd(raw, limit)
	case Gzip:
		// Multi-member bodies are read to the end; no member's size
		// trailer is trusted (it is modulo 4 GiB, and only the last one's
		// is at the end of the body).
		err = b.stream(func() (io.Reader, func(), error) {
			return openGzip(raw)
		}, limit, enc, nil)
	case Deflate:
		err = b.stream(func() (io.Reader, func(), error) {
			zr, err := zlib.NewReader(bytes.NewReader(raw))
			if err != nil {
				return nil, nil, err
			}
			return zr, func() { _ = zr.Close() }, nil
		}, limit, enc, nil)
	default:
		err = fmt.Errorf("%w %d", ErrUnsupportedEncoding, enc)
	}
	b.hist = 0
	if err != nil {
		if b.dec != nil {
			*b.dec = (*b.dec)[:0]
		}
		if errors.Is(err, zstd.ErrWindowSizeExceeded) || errors.Is(err, zstd.ErrDecoderSizeExceeded) {
			// The frame needs more memory than the limit allows.
			err = fmt.Errorf("%w: zstd body of %d bytes needs more than %d bytes to decode: %w", ErrTooLarge, len(raw), limit, err)
		}
		// What the decoders return is about the bytes (400); waiting for
		// budget (503) and the request's end keep their class.
		if c, _ := errs.Classify(err); c == errs.Retryable && !errors.Is(err, pipeline.ErrOverBudget) && b.ctx.Err() == nil {
			err = errs.NewPermanent(fmt.Errorf("cannot decode %s body of %d bytes: %w", enc, len(raw), err))
		}
		return nil, err
	}
	return *b.dec, nil
}

func (b *Body) unsnappy(raw []byte, limit int64) error {
	n, err := s2.DecodedLen(raw)
	if err != nil {
		return err
	}
	if int64(n) > limit {
		return fmt.Errorf("%w: snappy body of %d bytes claims %d bytes, limit %d", ErrTooLarge, len(raw), n, limit)
	}
	if n > maxSnappyRatio*len(raw)+16 {
		return fmt.Errorf("it claims %d bytes, more than snappy can expand to", n)
	}
	// A snappy block's length is exact: decoding writes those bytes and no
	// more, so a buffer that holds them is reserved and taken.
	if b.dec == nil || cap(*b.dec) < n {
		if err := b.grow(&b.dec, int64(n), false); err != nil {
			return err
		}
	}
	out, err := s2.Decode((*b.dec)[:n], raw)
	if err != nil {
		return err
	}
	*b.dec = out
	return nil
}

func (b *Body) unzstd(raw []byte, limit int64) error {
	// The one check of a zstd frame's declared size: a frame claiming more
	// than the limit is refused before a byte is decoded.
	var h zstd.Header
	if err := h.Decode(raw); err != nil {
		return err
	}
	if h.HasFCS && h.FrameContentSize > uint64(limit) {
		return fmt.Errorf("%w: zstd body of %d bytes claims %d bytes, limit %d", ErrTooLarge, len(raw), h.FrameContentSize, limit)
	}
	// The stream decoder keeps up to a window of history besides the
	// output it hands out (the whole frame for a single-segment one, whose
	// window is its content size): that is charged too.
	window := h.WindowSize
	if h.SingleSegment {
		window = h.FrameContentSize
	}
	if window > uint64(limit) {
		return fmt.Errorf("%w: zstd body of %d bytes needs a %d-byte window, limit %d", ErrTooLarge, len(raw), window, limit)
	}
	return b.stream(func() (io.Reader, func(), error) {
		d, _ := b.in.zstd.Get().(*zstd.Decoder)
		if d == nil {
			var err error
			// Synchronous (no goroutines), low-memory. Decoders are
			// pooled across bodies of different limits (HTTP bodies,
			// gRPC messages), and Reset keeps the option, so it is the
			// largest limit any body has; each body's own is held by the
			// window check above and by fill.
			d, err = zstd.NewReader(nil, zstd.WithDecoderConcurrency(1), zstd.WithDecoderLowmem(true),
				zstd.WithDecoderMaxMemory(uint64(max(limit, b.in.cfg.MaxDecompressedBytes, b.in.cfg.MaxRequestBytes))+1))
			if err != nil {
				return nil, nil, err
			}
		}
		done := func() {
			_ = d.Reset(nil)
			b.in.zstd.Put(d)
		}
		if err := d.Reset(bytes.NewReader(raw)); err != nil {
			done()
			return nil, nil, err
		}
		return d, done, nil
	}, limit, Zstd, func(produced int64) int64 {
		if window > 0 && uint64(produced) > window {
			return int64(window)
		}
		return produced
	})
}

// errShort reports that budget for the next step is not free at once.
var errShort = errors.New("memory budget short")

// stream decompresses with the decoder open returns, first taking budget
// a step at a time only while it is free. When it is short, holding a
// part while waiting for more would let many large bodies hold the budget
// between them with none able to finish (each then answered 503 once its
// wait ends); so the part is given back, the request waits in line for
// all the body may need (capped at what one request may hold) and decodes again. At most
// one decode is repeated, and only when the budget is contended.
func (b *Body) stream(open func() (io.Reader, func(), error), limit int64, enc Encoding, hist func(int64) int64) error {
	for retried := false; ; retried = true {
		rd, done, err := open()
		if err != nil {
			return err
		}
		err = b.fill(rd, limit, enc, hist, !retried)
		done()
		if !errors.Is(err, errShort) {
			return err
		}
		putBuf(b.dec)
		b.dec, b.hist = nil, 0
		if b.in.budget == nil {
			return err
		}
		rawCap := int64(cap(*b.raw))
		b.in.budget.Release(b.held - rawCap)
		b.held = rawCap
		need := rawCap + int64(bufCap(int(limit+1)))
		if hist != nil {
			need += hist(limit + 1)
		}
		if err := b.cover(min(need, b.in.budget.Largest())); err != nil {
			return err
		}
	}
}

// fill reads rd into the output buffer, using its whole capacity and then
// moving it into a pooled buffer a quarter larger (at least readStep), each
// reserved whole (and what hist says the decoder holds) before it is
// taken; with onlyIfFree it fails with errShort rather than wait for
// budget.
func (b *Body) fill(rd io.Reader, limit int64, enc Encoding, hist func(int64) int64, onlyIfFree bool) error {
	rawLen := len(*b.raw)
	// A buffer left by an earlier Decode is still charged, unless a
	// contended decode gave the budget back (stream): charge it again.
	if err := b.coverStep(b.occupied(), onlyIfFree); err != nil {
		return err
	}
	for {
		if b.dec == nil || len(*b.dec) == cap(*b.dec) {
			var n int
			if b.dec != nil {
				n = len(*b.dec)
			}
			end := min(int64(n)+int64(max(readStep, n/4)), limit+1)
			if hist != nil {
				b.hist = hist(end)
			}
			if err := b.grow(&b.dec, end, onlyIfFree); err != nil {
				return err
			}
		}
		buf := *b.dec
		// Up to one byte past limit, enough to see the output is too
		// large: the buffer's class may hold more.
		n, err := rd.Read(buf[len(buf):min(cap(buf), int(limit)+1)])
		*b.dec = buf[:len(buf)+n]
		if int64(len(*b.dec)) > limit {
			return fmt.Errorf("%w: %s body of %d bytes decodes past %d bytes", ErrTooLarge, enc, rawLen, limit)
		}
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
	}
}

// gzipReaders keeps gzip readers between bodies: a new one allocates its
// decompression window and tables, about 1 MiB per body (1.06 MB/op in
// BenchmarkGRPCSumRequest/gzip before, as grpc-go's own gzip, which pools
// its readers, did not).
var gzipReaders sync.Pool // *gzip.Reader

// openGzip returns a pooled gzip reader over raw and the function that
// gives it back.
func openGzip(raw []byte) (io.Reader, func(), error) {
	zr, _ := gzipReaders.Get().(*gzip.Reader)
	var err error
	if zr == nil {
		zr, err = gzip.NewReader(bytes.NewReader(raw))
	} else {
		err = zr.Reset(bytes.NewReader(raw))
	}
	if err != nil {
		return nil, nil, err
	}
	return zr, func() { gzipReaders.Put(zr) }, nil
}

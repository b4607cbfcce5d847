package prom

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"sync"

	"github.com/klauspost/compress/s2"
	"github.com/klauspost/compress/zstd"

	"github.com/greptime-bridge/greptime-bridge/writer/errs"
)

// ErrTooLarge reports a body whose decompressed size exceeds the bound; the
// receiver answers 413. It is permanent: the same body can never fit.
var ErrTooLarge = errs.Mark(errors.New("decompressed remote-write body exceeds the size limit"), errs.TooLarge)

// maxSnappyRatio bounds how far a snappy block can expand: its densest
// element is a 3-byte copy of 64 bytes, so a claimed length above 22 times
// the compressed size is a lie, and is refused before any buffer is sized
// from it.
const maxSnappyRatio = 22

// bufPool holds decompression buffers. Pointers to slices avoid an
// allocation per Put.
var bufPool = sync.Pool{New: func() any { return new([]byte) }}

// zstdPool holds synchronous zstd stream decoders (no goroutines).
var zstdPool = sync.Pool{New: func() any {
	d, err := zstd.NewReader(nil, zstd.WithDecoderConcurrency(1), zstd.WithDecoderLowmem(true))
	if err != nil {
		return nil
	}
	return d
}}

// decompress decodes body per enc into a pooled buffer, falling back to the
// other codec when the first fails, as GreptimeDB does for vmagent's
// mislabelled bodies (servers/src/prom_remote_write/mod.rs try_decompress,
// issue #3929). The caller must return the buffer with putBuf.
func decompress(body []byte, enc Encoding, limit int) (*[]byte, error) {
	bp := bufPool.Get().(*[]byte)
	switch enc {
	case Identity:
		if len(body) > limit {
			bufPool.Put(bp)
			return nil, errs.NewPermanent(fmt.Errorf("%w: %d bytes, limit %d", ErrTooLarge, len(body), limit))
		}
		*bp = append((*bp)[:0], body...)
		return bp, nil
	case Zstd:
		err := unzstd(bp, body, limit)
		if err == nil {
			return bp, nil
		}
		if errors.Is(err, ErrTooLarge) || unsnappy(bp, body, limit) != nil {
			bufPool.Put(bp)
			return nil, err
		}
		return bp, nil
	default:
		err := unsnappy(bp, body, limit)
		if err == nil {
			return bp, nil
		}
		if errors.Is(err, ErrTooLarge) || unzstd(bp, body, limit) != nil {
			bufPool.Put(bp)
			return nil, err
		}
		return bp, nil
	}
}

func putBuf(bp *[]byte) {
	if bp == nil {
		return
	}
	// Very large buffers are not kept, so one huge request does not pin
	// memory for the life of the process.
	if cap(*bp) > 64<<20 {
		*bp = nil
	}
	*bp = (*bp)[:0]
	bufPool.Put(bp)
}

func unsnappy(bp *[]byte, body []byte, limit int) error {
	n, err := s2.DecodedLen(body)
	if err != nil {
		return errs.NewPermanent(fmt.Errorf("cannot decode snappy body of %d bytes: %w", len(body), err))
	}
	if n > limit {
		return errs.NewPermanent(fmt.Errorf("%w: snappy body of %d bytes claims %d bytes, limit %d", ErrTooLarge, len(body), n, limit))
	}
	if n > maxSnappyRatio*len(body)+16 {
		return errs.NewPermanent(fmt.Errorf("cannot decode snappy body of %d bytes: it claims %d bytes, more than snappy can expand to", len(body), n))
	}
	if cap(*bp) < n {
		*bp = make([]byte, n)
	}
	out, err := s2.Decode((*bp)[:n], body)
	if err != nil {
		return errs.NewPermanent(fmt.Errorf("cannot decode snappy body of %d bytes: %w", len(body), err))
	}
	*bp = out
	return nil
}

func unzstd(bp *[]byte, body []byte, limit int) error {
	// A frame that declares more than the limit is refused before a byte
	// is decoded: decoding it would spend memory and work up to the limit
	// only to refuse it then.
	var h zstd.Header
	if err := h.Decode(body); err == nil && h.HasFCS && h.FrameContentSize > uint64(limit) {
		return errs.NewPermanent(fmt.Errorf("%w: zstd body of %d bytes claims %d bytes, limit %d", ErrTooLarge, len(body), h.FrameContentSize, limit))
	}
	d, _ := zstdPool.Get().(*zstd.Decoder)
	if d == nil {
		return errors.New("cannot create a zstd decoder")
	}
	defer func() {
		_ = d.Reset(nil)
		zstdPool.Put(d)
	}()
	if err := d.Reset(bytes.NewReader(body)); err != nil {
		return errs.NewPermanent(fmt.Errorf("cannot decode zstd body of %d bytes: %w", len(body), err))
	}
	// Read in growing steps rather than trusting the frame's declared
	// content size, so a small body cannot make us allocate the limit.
	buf := (*bp)[:0]
	for {
		if len(buf) == cap(buf) {
			grow := cap(buf)
			if grow < 64<<10 {
				grow = 64 << 10
			}
			if len(buf)+grow > limit+1 {
				grow = limit + 1 - len(buf)
			}
			if grow <= 0 {
				*bp = buf[:0]
				return errs.NewPermanent(fmt.Errorf("%w: zstd body of %d bytes decodes past %d bytes", ErrTooLarge, len(body), limit))
			}
			buf = append(buf, make([]byte, grow)...)[:len(buf)]
		}
		n, err := d.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if len(buf) > limit {
			*bp = buf[:0]
			return errs.NewPermanent(fmt.Errorf("%w: zstd body of %d bytes decodes past %d bytes", ErrTooLarge, len(body), limit))
		}
		if errors.Is(err, io.EOF) {
			*bp = buf
			return nil
		}
		if err != nil {
			*bp = buf[:0]
			return errs.NewPermanent(fmt.Errorf("cannot decode zstd body of %d bytes: %w", len(body), err))
		}
	}
}

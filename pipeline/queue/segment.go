package queue

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"strconv"
	"strings"
)

// On disk a segment is an 8-byte header (segMagic and a format version)
// followed by records, each framed as
//
//	uint32 LE payload length | uint32 LE CRC-32C of (length bytes, payload) | payload
//
// The checksum covers the length too, so a torn or flipped length is
// caught before it is trusted. CRC-32C (Castagnoli) is what Prometheus'
// WAL (tsdb/wlog) and etcd's WAL use: hardware-accelerated on amd64 and
// arm64. A segment is named by the sequence number of its first record,
// in hex so names sort in order.
const (
	segMagic       = "GBQS"
	segVersion     = 1
	segHeaderLen   = 8
	recHeaderLen   = 8
	segSuffix      = ".seg"
	maxRecordBytes = 1 << 30
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// errTorn reports a record that is incomplete or fails its checksum.
var errTorn = errors.New("torn or corrupt record")

func segName(base uint64) string { return fmt.Sprintf("%016x%s", base, segSuffix) }

func parseSegName(name string) (uint64, bool) {
	hex, ok := strings.CutSuffix(name, segSuffix)
	if !ok || len(hex) != 16 {
		return 0, false
	}
	v, err := strconv.ParseUint(hex, 16, 64)
	return v, err == nil
}

func segHeader() []byte {
	h := make([]byte, segHeaderLen)
	copy(h, segMagic)
	binary.LittleEndian.PutUint32(h[4:], segVersion)
	return h
}

// frame fills the record header in buf[start:start+recHeaderLen] for the
// payload that follows it up to the end of buf.
func frame(buf []byte, start int) {
	n := len(buf) - start - recHeaderLen
	binary.LittleEndian.PutUint32(buf[start:], uint32(n))
	crc := crc32.Update(0, castagnoli, buf[start:start+4])
	crc = crc32.Update(crc, castagnoli, buf[start+recHeaderLen:])
	binary.LittleEndian.PutUint32(buf[start+4:], crc)
}

// segReader reads a segment's records in order, never past limit (the
// bytes known to be whole: a sealed segment's size, or the active
// segment's committed end).
type segReader struct {
	r     *bufio.Reader
	off   int64 // offset of the next record
	limit int64
	buf   []byte
}

// newSegReader checks the header. A segment shorter than its header (a
// crash right after creating it) reads as empty with errTorn.
func newSegReader(f io.Reader, limit int64) (*segReader, error) {
	s := &segReader{r: bufio.NewReaderSize(f, 1<<20), limit: limit}
	if limit < segHeaderLen {
		return s, fmt.Errorf("%w: segment header of %d bytes", errTorn, limit)
	}
	h := make([]byte, segHeaderLen)
	if _, err := io.ReadFull(s.r, h); err != nil {
		return s, fmt.Errorf("%w: cannot read the segment header: %w", errTorn, err)
	}
	if string(h[:4]) != segMagic || binary.LittleEndian.Uint32(h[4:]) != segVersion {
		return s, fmt.Errorf("%w: not a queue segment header", errTorn)
	}
	s.off = segHeaderLen
	return s, nil
}

// next returns the next record's payload, valid until the next call;
// io.EOF at the limit, errTorn for an incomplete or corrupt record (s.off
// then stays at its start, where the segment should be cut).
func (s *segReader) next() ([]byte, error) {
	left := s.limit - s.off
	if left == 0 {
		return nil, io.EOF
	}
	if left < recHeaderLen {
		return nil, fmt.Errorf("%w: %d bytes left, less than a record header", errTorn, left)
	}
	var h [recHeaderLen]byte
	if _, err := io.ReadFull(s.r, h[:]); err != nil {
		return nil, fmt.Errorf("%w: %w", errTorn, err)
	}
	n := int64(binary.LittleEndian.Uint32(h[:]))
	// The length is not trusted before the checksum, but it is bounded by
	// the bytes left, so a corrupt one cannot allocate beyond the file.
	if n > left-recHeaderLen || n > maxRecordBytes {
		return nil, fmt.Errorf("%w: length %d with %d bytes left", errTorn, n, left-recHeaderLen)
	}
	if int64(cap(s.buf)) < n {
		s.buf = make([]byte, n)
	}
	p := s.buf[:n]
	if _, err := io.ReadFull(s.r, p); err != nil {
		return nil, fmt.Errorf("%w: %w", errTorn, err)
	}
	crc := crc32.Update(0, castagnoli, h[:4])
	if crc32.Update(crc, castagnoli, p) != binary.LittleEndian.Uint32(h[4:]) {
		return nil, fmt.Errorf("%w: checksum mismatch", errTorn)
	}
	s.off += recHeaderLen + n
	return p, nil
}

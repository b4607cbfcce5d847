package greptimetest

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// This file checks the sizes an IPC message header claims before arrow-go
// reads it. arrow-go trusts the flatbuffer: a corrupt header can make it
// allocate a vector of any length or a decompression buffer of any size,
// which no recover catches. arrow-rs verifies the flatbuffer first
// (root_as_message in common/grpc/src/flight.rs FlightDecoder::try_decode),
// so the real server refuses such a message as "Invalid FlightData".

// maxDecodedBatchBytes bounds the decompressed size of one batch. GreptimeDB
// limits gRPC messages to 512 MiB; the test server applies the same bound
// after decompression.
const maxDecodedBatchBytes = maxMessageSize

// IPC message header types (format/Message.fbs MessageHeader).
const (
	fbHeaderSchema          = 1
	fbHeaderRecordBatch     = 3
	fbHeaderDictionaryBatch = 2
)

var errBadHeader = errors.New("message header is malformed")

// fbTable is a flatbuffer table inside buf.
type fbTable struct {
	buf []byte
	pos int
}

func (t fbTable) u32(at int) (int, error) {
	if at < 0 || at+4 > len(t.buf) {
		return 0, errBadHeader
	}
	return int(binary.LittleEndian.Uint32(t.buf[at:])), nil
}

// field returns the position of field i, 0 when absent.
func (t fbTable) field(i int) (int, error) {
	if t.pos < 0 || t.pos+4 > len(t.buf) {
		return 0, errBadHeader
	}
	vt := t.pos - int(int32(binary.LittleEndian.Uint32(t.buf[t.pos:])))
	if vt < 0 || vt+4 > len(t.buf) {
		return 0, errBadHeader
	}
	size := int(binary.LittleEndian.Uint16(t.buf[vt:]))
	// A field is present when its slot starts inside the vtable, as the
	// flatbuffers runtime arrow-go uses decides (Table.Offset), even for an
	// odd vtable size.
	slot := 4 + 2*i
	if slot >= size {
		return 0, nil
	}
	if vt+slot+2 > len(t.buf) {
		return 0, errBadHeader
	}
	off := int(binary.LittleEndian.Uint16(t.buf[vt+slot:]))
	if off == 0 {
		return 0, nil
	}
	return t.pos + off, nil
}

// table follows the offset in field i to a sub-table.
func (t fbTable) table(i int) (fbTable, bool, error) {
	at, err := t.field(i)
	if err != nil || at == 0 {
		return fbTable{}, false, err
	}
	rel, err := t.u32(at)
	return fbTable{buf: t.buf, pos: at + rel}, true, err
}

// vector returns the start and length of the vector in field i after
// checking that length elements of elem bytes fit in the buffer.
func (t fbTable) vector(i, elem int) (start, n int, err error) {
	at, err := t.field(i)
	if err != nil || at == 0 {
		return 0, 0, err
	}
	rel, err := t.u32(at)
	if err != nil {
		return 0, 0, err
	}
	p := at + rel
	if n, err = t.u32(p); err != nil {
		return 0, 0, err
	}
	if n > (len(t.buf)-p-4)/elem {
		return 0, 0, fmt.Errorf("vector of %d elements does not fit a %d-byte header", n, len(t.buf))
	}
	return p + 4, n, nil
}

// verifyMessage checks a FlightData's IPC header against its body and,
// for a record batch, against the layout of the stream's schema (nil for
// the schema message itself).
func verifyMessage(header, body []byte, layout *ipcLayout) error {
	root := fbTable{buf: header}
	pos, err := root.u32(0)
	if err != nil {
		return err
	}
	msg := fbTable{buf: header, pos: pos}
	if _, _, err := msg.vector(4, 4); err != nil { // custom_metadata
		return err
	}
	kindAt, err := msg.field(1)
	if err != nil || kindAt == 0 || kindAt >= len(header) {
		return errBadHeader
	}
	hdr, ok, err := msg.table(2)
	if err != nil || !ok {
		return errBadHeader
	}
	switch header[kindAt] {
	case fbHeaderSchema:
		return verifySchema(hdr)
	case fbHeaderRecordBatch:
		if layout == nil {
			return nil // refused as "Should have decoded schema first!"
		}
		return verifyRecordBatch(hdr, body, *layout)
	case fbHeaderDictionaryBatch:
		if layout == nil {
			return nil // refused as "schema message is not present previously"
		}
		if layout.dictErr != nil {
			return layout.dictErr
		}
		if layout.dict == nil {
			return errors.New("dictionary batch for a schema without dictionaries")
		}
		data, ok, err := hdr.table(1)
		if err != nil || !ok {
			return errBadHeader
		}
		return verifyRecordBatch(data, body, *layout.dict)
	}
	return nil
}

// verifyRecordBatch checks a RecordBatch table (format/Message.fbs): the
// node, buffer and variadic-count vectors fit the header and hold at least
// what the schema's layout reads, the buffers read lie inside the body,
// and compressed ones claim a bounded decompressed size.
func verifyRecordBatch(rb fbTable, body []byte, layout ipcLayout) error {
	if _, n, err := rb.vector(1, 16); err != nil || n < layout.nodes { // nodes
		return fbShort(err, "field nodes", n, layout.nodes)
	}
	vstart, vn, err := rb.vector(4, 8) // variadicBufferCounts
	if err != nil || vn < layout.views {
		return fbShort(err, "variadic buffer counts", vn, layout.views)
	}
	need := layout.buffers
	for i := 0; i < layout.views; i++ {
		c := int64(binary.LittleEndian.Uint64(rb.buf[vstart+8*i:]))
		if c < 0 || c > int64(len(rb.buf)) {
			return fmt.Errorf("variadic buffer count %d is out of range", c)
		}
		need += int(c)
	}
	start, n, err := rb.vector(2, 16) // buffers: {offset i64, length i64}
	if err != nil || n < need {
		return fbShort(err, "buffers", n, need)
	}
	compAt, err := rb.field(3)
	if err != nil {
		return err
	}
	var total int64
	for i := 0; i < need; i++ {
		off := int64(binary.LittleEndian.Uint64(rb.buf[start+16*i:]))
		length := int64(binary.LittleEndian.Uint64(rb.buf[start+16*i+8:]))
		if off < 0 || length < 0 || off > int64(len(body)) || length > int64(len(body))-off {
			return fmt.Errorf("buffer %d [%d, +%d) lies outside the %d-byte body", i, off, length, len(body))
		}
		if compAt == 0 || length == 0 {
			continue
		}
		if length < 8 {
			return fmt.Errorf("compressed buffer %d is %d bytes, shorter than its length prefix", i, length)
		}
		size := int64(binary.LittleEndian.Uint64(body[off:]))
		if size == -1 {
			continue
		}
		if size < 0 || size > maxDecodedBatchBytes-total {
			return fmt.Errorf("compressed buffers claim more than %d bytes", int64(maxDecodedBatchBytes))
		}
		total += size
	}
	return nil
}

// fbShort returns err, or a message saying a vector holds fewer entries
// than the schema needs.
func fbShort(err error, what string, got, want int) error {
	if err != nil {
		return err
	}
	return fmt.Errorf("%d %s, the schema needs %d", got, what, want)
}

// maxFieldDepth bounds the nesting of a schema's fields.
const maxFieldDepth = 64

// verifySchema checks the vectors arrow-go sizes allocations by in a
// Schema table (format/Schema.fbs): fields, custom_metadata and features,
// and each field's children and custom_metadata, recursively.
func verifySchema(sc fbTable) error {
	if _, _, err := sc.vector(2, 4); err != nil { // custom_metadata
		return err
	}
	if _, _, err := sc.vector(3, 8); err != nil { // features
		return err
	}
	return verifyFields(sc, 1, 0)
}

// verifyFields checks the vector of Field tables in field i of t.
func verifyFields(t fbTable, i, depth int) error {
	if depth > maxFieldDepth {
		return fmt.Errorf("fields nested deeper than %d", maxFieldDepth)
	}
	start, n, err := t.vector(i, 4)
	if err != nil {
		return err
	}
	for j := 0; j < n; j++ {
		at := start + 4*j
		rel, err := t.u32(at)
		if err != nil {
			return err
		}
		f := fbTable{buf: t.buf, pos: at + rel}
		if _, _, err := f.vector(6, 4); err != nil { // custom_metadata
			return err
		}
		if err := verifyFields(f, 5, depth+1); err != nil { // children
			return err
		}
	}
	return nil
}

package greptimetest

import (
	"errors"
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
)

// ipcLayout is how many field nodes and buffers arrow-go's IPC loader
// reads for one record batch of a schema (arrow/ipc/file_reader.go
// arrayLoaderContext.loadArray). arrow-go indexes the header's node and
// buffer vectors without checking their lengths, so a batch whose vectors
// are shorter makes it read garbage as buffer offsets and sizes; the
// stream reader refuses such a batch first, as arrow-rs refuses a batch
// that runs out of buffers.
type ipcLayout struct {
	nodes, buffers int
	// views is the number of Utf8View/BinaryView columns; each also reads
	// as many extra buffers as its entry in variadicBufferCounts says.
	views int
	// dict is the layout of a dictionary batch when every dictionary of
	// the schema has values of the same layout; dictErr says why not.
	// (Telling dictionaries apart needs their ids from the schema
	// flatbuffer, which arrow-go keeps to itself.)
	dict    *ipcLayout
	dictErr error
}

// maxLayoutDepth is arrow-go's nesting limit for loaded arrays.
const maxLayoutDepth = 64

// ipcLayoutOf counts the layout of a schema; it fails for types whose layout
// the test server does not count (unions, run-end encoded).
func ipcLayoutOf(sc *arrow.Schema) (ipcLayout, error) {
	var l ipcLayout
	for _, f := range sc.Fields() {
		if err := l.add(f.Type, 0); err != nil {
			return l, fmt.Errorf("column %s: %w", f.Name, err)
		}
	}
	return l, nil
}

// add counts one array of type dt: one node, a validity buffer, its own
// buffers, then its children.
func (l *ipcLayout) add(dt arrow.DataType, depth int) error {
	if depth > maxLayoutDepth {
		return fmt.Errorf("nested deeper than %d", maxLayoutDepth)
	}
	l.nodes++
	switch dt := dt.(type) {
	case *arrow.NullType:
		return nil
	case *arrow.BinaryType, *arrow.StringType, *arrow.LargeBinaryType, *arrow.LargeStringType:
		l.buffers += 3
		return nil
	case arrow.BinaryViewDataType:
		l.buffers += 2
		l.views++
		return nil
	case arrow.ListLikeType:
		switch dt.(type) {
		case *arrow.ListViewType, *arrow.LargeListViewType:
			l.buffers += 3
		case *arrow.FixedSizeListType:
			l.buffers++
		default: // list, large list, map
			l.buffers += 2
		}
		return l.add(dt.Elem(), depth+1)
	case *arrow.StructType:
		l.buffers++
		for _, f := range dt.Fields() {
			if err := l.add(f.Type, depth+1); err != nil {
				return err
			}
		}
		return nil
	case *arrow.DictionaryType:
		// The record batch holds the indices; values come in dictionary
		// batches.
		l.buffers += 2
		var v ipcLayout
		if err := v.add(dt.ValueType, depth+1); err != nil {
			return err
		}
		switch {
		case v.dict != nil || v.dictErr != nil:
			l.dictErr = errors.New("greptimetest: nested dictionaries are not supported")
		case l.dict == nil:
			l.dict = &v
		case *l.dict != v:
			l.dictErr = errors.New("greptimetest: dictionaries with values of different layouts are not supported")
		}
		return nil
	case arrow.ExtensionType:
		l.nodes--
		return l.add(dt.StorageType(), depth)
	case arrow.FixedWidthDataType:
		// Boolean, integers, floats, decimals, dates, times, timestamps,
		// durations, intervals and fixed-size binary: validity and values.
		l.buffers += 2
		return nil
	}
	return fmt.Errorf("the test server cannot check the IPC layout of %s", dt)
}

package writer

import (
	"context"
	"encoding/base64"
	"fmt"
	"time"

	"github.com/apache/arrow-go/v18/arrow/ipc"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"google.golang.org/grpc/metadata"

	"github.com/greptime-bridge/greptime-bridge/writer/table"
)

// Metadata keys GreptimeDB reads on a DoPut call
// (servers/src/grpc/context_auth.rs; sent by the Rust ingester's
// Database::do_put). Flight messages carry no RequestHeader, so the database
// and credentials travel here.
const (
	headerDBName = "x-greptime-db-name"
	headerAuth   = "x-greptime-auth"
)

// BulkCompression is the Arrow IPC body compression of a bulk stream. It is
// separate from, and can be combined with, gRPC transport compression.
type BulkCompression int

// IPC body codecs GreptimeDB decodes (its arrow-ipc is built with lz4 and
// zstd). LZ4 frame is the default, as in the Rust ingester.
const (
	BulkLZ4 BulkCompression = iota
	BulkNoCompression
	BulkZstd
)

// String returns "lz4", "none" or "zstd".
func (c BulkCompression) String() string {
	switch c {
	case BulkLZ4:
		return "lz4"
	case BulkNoCompression:
		return "none"
	case BulkZstd:
		return "zstd"
	}
	return fmt.Sprintf("BulkCompression(%d)", int(c))
}

// Parallelism bounds. GreptimeDB queues at most 32 responses per DoPut stream
// and silently drops the ones past that (MAX_PENDING_RESPONSES in
// servers/src/grpc/greptime_handler.rs, §3.2 and §7.5), so more than 32
// unacknowledged batches would lose acknowledgements: larger settings are
// clamped to 32.
const (
	DefaultBulkParallelism = 8
	MaxBulkParallelism     = 32
)

// BulkOption configures a BulkStreamWriter.
type BulkOption func(*bulkOptions)

type bulkOptions struct {
	parallelism int
	compression BulkCompression
	timeout     time.Duration
	mem         memory.Allocator
	fillMissing bool
}

// WithParallelism sets how many batches may be in flight (sent and not yet
// acknowledged) at once: default 8, values below 1 mean 1, values above 32
// are clamped to 32 (see MaxBulkParallelism). GreptimeDB processes a
// stream's batches one after another, so this is pipelining, not parallel
// execution on the server.
func WithParallelism(n int) BulkOption {
	return func(o *bulkOptions) { o.parallelism = n }
}

// WithBulkCompression sets the Arrow IPC body compression (default LZ4 frame).
func WithBulkCompression(c BulkCompression) BulkOption {
	return func(o *bulkOptions) { o.compression = c }
}

// WithBulkTimeout sets how long a batch may wait for its acknowledgement
// before Wait reports a TimeoutError (default: the client's RequestTimeout).
func WithBulkTimeout(d time.Duration) BulkOption {
	return func(o *bulkOptions) { o.timeout = d }
}

// WithFillMissingColumns lets a batch omit nullable columns of the stream's
// schema; they are sent as NULL. Without it a batch must carry exactly the
// stream's columns. A batch with a column the stream lacks is refused either
// way: there is no place for it in the stream's Arrow schema.
func WithFillMissingColumns() BulkOption {
	return func(o *bulkOptions) { o.fillMissing = true }
}

// WithAllocator sets the Arrow allocator for copied columns and compressed
// bodies (default memory.DefaultAllocator); tests pass a checked allocator.
func WithAllocator(mem memory.Allocator) BulkOption {
	return func(o *bulkOptions) { o.mem = mem }
}

// resolveBulkOptions applies opts over the defaults and clamps them.
func resolveBulkOptions(timeout time.Duration, opts []BulkOption) bulkOptions {
	o := bulkOptions{parallelism: DefaultBulkParallelism, timeout: timeout, mem: memory.DefaultAllocator}
	for _, opt := range opts {
		opt(&o)
	}
	o.parallelism = min(max(o.parallelism, 1), MaxBulkParallelism)
	if o.timeout <= 0 {
		o.timeout = 30 * time.Second
	}
	if o.mem == nil {
		o.mem = memory.DefaultAllocator
	}
	return o
}

func (o *bulkOptions) ipcOptions() []ipc.Option {
	opts := []ipc.Option{ipc.WithAllocator(o.mem)}
	switch o.compression {
	case BulkLZ4:
		opts = append(opts, ipc.WithLZ4())
	case BulkZstd:
		opts = append(opts, ipc.WithZstd())
	}
	return opts
}

// BulkInserter opens bulk stream writers (Arrow Flight DoPut) for the tables
// of one database: the high-throughput path, for large batches into tables
// that already exist. GreptimeDB never creates a table or adds a column from
// a bulk write (§3.2, §7.3): create or widen tables with a row insert first.
type BulkInserter struct {
	c        *Client
	database string
}

// NewBulkInserter returns a bulk inserter for database ("" means the
// client's configured database).
func (c *Client) NewBulkInserter(database string) *BulkInserter {
	if database == "" {
		database = c.cfg.Database
	}
	return &BulkInserter{c: c, database: database}
}

// Database returns the database the inserter writes to.
func (bi *BulkInserter) Database() string { return bi.database }

// StreamWriter opens a DoPut stream for the table s describes, on the
// client's active endpoint. ctx bounds the whole life of the stream, not just
// opening it. The schema is checked here, before anything is sent: types the
// bulk path cannot carry (INTERVAL_*, VECTOR) and a time index that is not
// TIMESTAMP_* are refused with an InvalidInputError. The schema's hints are
// not sent: the open-source server ignores x-greptime-hints on DoPut (§3.2),
// so table options belong to the row insert or SQL that creates the table.
func (bi *BulkInserter) StreamWriter(ctx context.Context, s *table.Schema, opts ...BulkOption) (*BulkStreamWriter, error) {
	if s == nil {
		return nil, &InvalidInputError{Reason: "nil table schema for bulk stream"}
	}
	return bi.open(ctx, s.Table, s.Columns, opts)
}

// StreamWriterFor opens a DoPut stream whose schema is that of b (its table
// and columns); b itself is not written.
func (bi *BulkInserter) StreamWriterFor(ctx context.Context, b *table.Batch, opts ...BulkOption) (*BulkStreamWriter, error) {
	if b == nil {
		return nil, &InvalidInputError{Reason: "nil batch for bulk stream"}
	}
	return bi.open(ctx, b.Table, batchColumns(b), opts)
}

func (bi *BulkInserter) open(ctx context.Context, tableName string, cols []table.ColumnSchema, opts []BulkOption) (*BulkStreamWriter, error) {
	o := resolveBulkOptions(bi.c.cfg.RequestTimeout, opts)
	conv, err := newArrowConverter(tableName, cols, o.mem)
	if err != nil {
		return nil, err
	}
	conv.fillMissing = o.fillMissing
	return openBulkStream(ctx, bi, conv, o)
}

// outgoingMetadata adds the database and, when configured, basic auth to
// ctx. The credentials go only into the call's metadata, never into errors.
func (bi *BulkInserter) outgoingMetadata(ctx context.Context) context.Context {
	kv := []string{headerDBName, bi.database}
	if bi.c.cfg.Username != "" {
		cred := base64.StdEncoding.EncodeToString([]byte(bi.c.cfg.Username + ":" + bi.c.cfg.Password))
		kv = append(kv, headerAuth, "Basic "+cred)
	}
	return metadata.AppendToOutgoingContext(ctx, kv...)
}

// BulkResponse is GreptimeDB's acknowledgement of one bulk batch: the JSON
// app_metadata of a PutResult, {"request_id","affected_rows","elapsed_secs"}
// (common/grpc/src/flight/do_put.rs DoPutResponse).
type BulkResponse struct {
	RequestID    int64
	AffectedRows int64
	// Elapsed is the server's processing time for the batch.
	Elapsed time.Duration
}

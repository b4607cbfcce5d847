package writer

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/backoff"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/experimental"
	"google.golang.org/grpc/keepalive"
)

// Client talks to GreptimeDB over gRPC: row inserts, queries and health
// checks through GreptimeDatabase, bulk writes through Arrow Flight. It is
// safe for concurrent use; create one per process and Close it.
type Client struct {
	cfg    Config
	conns  []*grpc.ClientConn
	active atomic.Int32 // index of the endpoint in use
	mu     sync.Mutex
	closed bool

	// encoders recycle the scratch space of the row-insert encoder.
	encoders encoderPool
	// codec sends encoded row inserts as they are (rowenc_codec.go).
	codec rowInsertCodec
	// created remembers the CreateSQL statements already run, per database.
	created sync.Map
}

// NewClient creates a client. Connections are established lazily by gRPC;
// use HealthCheck to verify an endpoint is reachable.
func NewClient(cfg Config) (*Client, error) {
	cfg.withDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	c := &Client{cfg: cfg, codec: newRowInsertCodec()}
	for _, ep := range cfg.Endpoints {
		conn, err := grpc.NewClient(ep, c.dialOptions()...)
		if err != nil {
			c.Close()
			return nil, fmt.Errorf("writer: cannot set up connection to %s: %w", ep, err)
		}
		c.conns = append(c.conns, conn)
	}
	return c, nil
}

// Config returns the client's configuration with defaults applied.
func (c *Client) Config() Config { return c.cfg }

func (c *Client) dialOptions() []grpc.DialOption {
	creds := insecure.NewCredentials()
	if c.cfg.TLS != nil {
		creds = credentials.NewTLS(c.cfg.TLS)
	}
	callOpts := []grpc.CallOption{
		grpc.MaxCallSendMsgSize(c.cfg.MaxSendMessageSize),
		grpc.MaxCallRecvMsgSize(c.cfg.MaxRecvMessageSize),
	}
	// GreptimeDB compresses a response with an encoding the request's
	// grpc-accept-encoding lists (servers/src/grpc/builder.rs add_service!
	// send_compressed; tonic codec/compression.rs
	// from_accept_encoding_header), which grpc-go fills with every
	// compressor registered in the process, and decodes it with the
	// registered one, which another package may have replaced (the
	// OTLP/gRPC receiver passes gzip and zstd through undecoded). So the
	// client lists one encoding and decodes it itself (response.go).
	dc := responseDecompressor{name: string(c.cfg.Compression), max: int64(c.cfg.MaxRecvMessageSize)}
	if dc.name == "" {
		dc.name = string(CompressionGzip)
	}
	callOpts = append(callOpts, experimental.AcceptCompressors(dc.name))
	if c.cfg.Compression != CompressionNone {
		// Every GreptimeDB gRPC service accepts gzip and zstd requests
		// (servers/src/grpc/builder.rs add_service!).
		callOpts = append(callOpts, grpc.UseCompressor(string(c.cfg.Compression)))
	}
	opts := []grpc.DialOption{
		grpc.WithTransportCredentials(creds),
		grpc.WithDefaultCallOptions(callOpts...),
		//nolint:staticcheck // the one per-connection decompressor grpc-go has; see responseDecompressor
		grpc.WithDecompressor(dc),
		grpc.WithConnectParams(grpc.ConnectParams{Backoff: reconnectBackoff, MinConnectTimeout: c.cfg.ConnectTimeout}),
	}
	if c.cfg.KeepaliveTime > 0 {
		opts = append(opts, grpc.WithKeepaliveParams(keepalive.ClientParameters{
			Time: c.cfg.KeepaliveTime, Timeout: c.cfg.KeepaliveTimeout, PermitWithoutStream: true,
		}))
	}
	return append(opts, c.cfg.DialOptions...)
}

// reconnectBackoff is gRPC's default reconnect backoff with the ceiling
// lowered from 120s to 10s: a GreptimeDB endpoint that restarts is back in
// seconds, and a client should notice within about that long.
var reconnectBackoff = backoff.Config{BaseDelay: time.Second, Multiplier: 1.6, Jitter: 0.2, MaxDelay: 10 * time.Second}

// conn returns the connection in use and its index.
func (c *Client) conn() (*grpc.ClientConn, int) {
	i := int(c.active.Load())
	return c.conns[i], i
}

// failover moves off endpoint i (if it is still the active one) to the next.
func (c *Client) failover(i int) {
	if len(c.conns) > 1 {
		c.active.CompareAndSwap(int32(i), int32((i+1)%len(c.conns)))
	}
}

// Close closes every connection. Open bulk streams fail.
func (c *Client) Close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return nil
	}
	c.closed = true
	var errs []error
	for _, cc := range c.conns {
		if err := cc.Close(); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// withTimeout applies RequestTimeout when ctx has no deadline.
func (c *Client) withTimeout(ctx context.Context) (context.Context, context.CancelFunc) {
	if _, ok := ctx.Deadline(); ok || c.cfg.RequestTimeout <= 0 {
		return context.WithCancel(ctx)
	}
	return context.WithTimeout(ctx, c.cfg.RequestTimeout)
}

package writer

import (
	"crypto/tls"
	"errors"
	"fmt"
	"time"

	"google.golang.org/grpc"
	_ "google.golang.org/grpc/encoding/gzip" // registers the gzip compressor
)

// Compression names a gRPC transport compressor.
type Compression string

// Transport compressors. Zstd is registered by this package with
// klauspost/compress, since grpc-go ships only gzip.
const (
	CompressionNone Compression = ""
	CompressionGzip Compression = "gzip"
	CompressionZstd Compression = "zstd"
)

// Config configures a Client. The zero value of every field means its
// default; DefaultConfig documents them.
type Config struct {
	// Endpoints are GreptimeDB gRPC addresses ("host:4001"). The client
	// prefers the first healthy one and fails over in order.
	Endpoints []string
	// Database is the default database for inserts and bulk streams
	// ("public"). "catalog-schema" names are split by GreptimeDB.
	Database string
	// Username and Password enable basic auth when Username is set. They
	// never appear in errors or logs.
	Username, Password string
	// Timezone is sent in the request header of row inserts and queries.
	Timezone string

	// RequestTimeout bounds each unary call when the context has no
	// earlier deadline (default 30s).
	RequestTimeout time.Duration
	// ConnectTimeout bounds establishing a connection (default 5s).
	ConnectTimeout time.Duration
	// KeepaliveTime and KeepaliveTimeout configure HTTP/2 pings
	// (defaults 30s and 10s; a negative KeepaliveTime disables them).
	KeepaliveTime, KeepaliveTimeout time.Duration

	// TLS enables TLS when non-nil. Build it with TLSConfig for system
	// roots, a custom CA, client certificates or insecure dev mode.
	TLS *tls.Config

	// Compression is the gRPC transport compressor for requests.
	Compression Compression
	// MaxSendMessageSize and MaxRecvMessageSize bound gRPC messages
	// (defaults 512 MiB, GreptimeDB's own default limits).
	MaxSendMessageSize, MaxRecvMessageSize int

	// Retry, when set, retries failed inserts that IsRetryable accepts.
	Retry *RetryPolicy

	// DialOptions are extra gRPC dial options applied after the client's
	// own, e.g. interceptors for tracing. The request an interceptor sees
	// from Write and StreamInserter.Write is already in wire form (an
	// unexported type, not a *gpb.GreptimeRequest); Insert, ExecSQL and
	// the responses stay greptime-proto messages.
	DialOptions []grpc.DialOption
}

// DefaultConfig returns a Config for one endpoint and the public database.
func DefaultConfig(endpoints ...string) Config {
	return Config{
		Endpoints:          endpoints,
		Database:           "public",
		RequestTimeout:     30 * time.Second,
		ConnectTimeout:     5 * time.Second,
		KeepaliveTime:      30 * time.Second,
		KeepaliveTimeout:   10 * time.Second,
		MaxSendMessageSize: 512 << 20,
		MaxRecvMessageSize: 512 << 20,
	}
}

func (c *Config) withDefaults() {
	d := DefaultConfig()
	if c.Database == "" {
		c.Database = d.Database
	}
	if c.RequestTimeout == 0 {
		c.RequestTimeout = d.RequestTimeout
	}
	if c.ConnectTimeout == 0 {
		c.ConnectTimeout = d.ConnectTimeout
	}
	if c.KeepaliveTime == 0 {
		c.KeepaliveTime = d.KeepaliveTime
	}
	if c.KeepaliveTimeout == 0 {
		c.KeepaliveTimeout = d.KeepaliveTimeout
	}
	if c.MaxSendMessageSize == 0 {
		c.MaxSendMessageSize = d.MaxSendMessageSize
	}
	if c.MaxRecvMessageSize == 0 {
		c.MaxRecvMessageSize = d.MaxRecvMessageSize
	}
}

// Validate reports every configuration problem at once. NewClient calls
// it; configuration loaders may call it earlier to report problems together
// with their own.
func (c Config) Validate() error {
	var errs []error
	if len(c.Endpoints) == 0 {
		errs = append(errs, errors.New("no endpoints configured"))
	}
	for _, d := range []struct {
		name string
		v    time.Duration
	}{{"request timeout", c.RequestTimeout}, {"connect timeout", c.ConnectTimeout}, {"keepalive timeout", c.KeepaliveTimeout}} {
		if d.v < 0 {
			errs = append(errs, fmt.Errorf("%s %s is negative", d.name, d.v))
		}
	}
	if c.MaxSendMessageSize < 0 || c.MaxRecvMessageSize < 0 {
		errs = append(errs, fmt.Errorf("max message sizes %d/%d must not be negative", c.MaxSendMessageSize, c.MaxRecvMessageSize))
	}
	switch c.Compression {
	case CompressionNone, CompressionGzip, CompressionZstd:
	default:
		errs = append(errs, fmt.Errorf("unknown compression %q (want \"\", \"gzip\" or \"zstd\")", c.Compression))
	}
	for i, ep := range c.Endpoints {
		if ep == "" {
			errs = append(errs, fmt.Errorf("endpoint %d is empty", i))
		}
	}
	if c.Password != "" && c.Username == "" {
		errs = append(errs, errors.New("a password is set without a username"))
	}
	if r := c.Retry; r != nil && (r.MaxAttempts < 0 || r.InitialBackoff < 0 || r.MaxBackoff < 0 || r.Multiplier < 0) {
		errs = append(errs, fmt.Errorf("retry policy %+v has a negative value", *r))
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("writer: invalid config: %w", err)
	}
	return nil
}

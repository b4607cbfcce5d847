package greptimetest

import (
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"sync"
	"testing"
	"time"

	gpb "github.com/GreptimeTeam/greptime-proto/go/greptime/v1"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/experimental"
	"google.golang.org/grpc/keepalive"
	"google.golang.org/grpc/metadata"

	"github.com/greptime-bridge/greptime-bridge/writer/internal/bufpool"
)

// maxMessageSize is GreptimeDB's gRPC message limit, 512 MiB
// (servers/src/grpc.rs DEFAULT_MAX_GRPC_RECV/SEND_MESSAGE_SIZE).
const maxMessageSize = 512 << 20

// Options configures a Server.
type Options struct {
	// Addr is the listen address; default "127.0.0.1:0".
	Addr string
	// Users enables basic auth with these user → password pairs; nil
	// disables auth, as GreptimeDB's default standalone has no user provider.
	Users map[string]string
	// AutoCreateTable is the server's auto_create_table setting; nil = true.
	AutoCreateTable *bool
	// CountOnly keeps schemas and row counts but discards rows (load tests).
	CountOnly bool
	// Load is CountOnly made cheap enough to stand in for GreptimeDB in load
	// tests: row inserts are read from their wire bytes without decoding
	// values (each row's value count and each value's variant are read),
	// and answered as in the other modes: affected rows, table creation
	// and add-column, schema and value-type checks, the same errors. It
	// implies CountOnly. The server's own grpc.Server gets a codec for
	// this (grpc.ForceServerCodecV2); nothing is registered process-wide.
	Load bool
	// Databases are extra databases that exist at start; "public" in catalog
	// "greptime" always exists. Names may be in catalog-schema form.
	Databases []string
	// TLSCertFile and TLSKeyFile serve gRPC over TLS with this PEM
	// certificate and key, as GreptimeDB's grpc.tls cert_path/key_path in
	// mode require do. Like GreptimeDB, the server asks for no client
	// certificate: tonic's ServerTlsConfig gets only an identity
	// (servers/src/grpc/builder.rs with_tls_config; servers/src/tls.rs
	// leaves with_client_cert_verifier as a TODO).
	TLSCertFile, TLSKeyFile string
}

// Server is the GreptimeDB-compatible test server.
type Server struct {
	opts       Options
	autoCreate bool

	mu          sync.Mutex // catalog and storage
	dbs         map[dbKey]*database
	nextTableID uint32
	keyBuf      []byte // dedup key scratch, guarded by mu

	fmu         sync.Mutex // faults and call records
	faults      []pendingFault
	latency     time.Duration
	streamBreak int // -1: none
	calls       map[string]int
	headers     map[string]metadata.MD

	smu    sync.Mutex // serving state
	addr   string
	gs     *grpc.Server
	lis    net.Listener
	wg     sync.WaitGroup
	closed bool
}

// Start creates a server and starts serving.
func Start(opts Options) (*Server, error) {
	if opts.Addr == "" {
		opts.Addr = "127.0.0.1:0"
	}
	s := newServer(opts)
	for _, name := range s.opts.Databases {
		if err := s.CreateDatabase(name); err != nil {
			return nil, err
		}
	}
	if err := s.serve(s.opts.Addr); err != nil {
		return nil, err
	}
	return s, nil
}

// newServer builds a server's state without serving.
func newServer(opts Options) *Server {
	// Keep our own copies: the caller may reuse its slices and maps.
	opts.Users = copyMap(opts.Users)
	opts.Databases = append([]string(nil), opts.Databases...)
	opts.CountOnly = opts.CountOnly || opts.Load
	s := &Server{
		opts:        opts,
		autoCreate:  opts.AutoCreateTable == nil || *opts.AutoCreateTable,
		dbs:         map[dbKey]*database{},
		nextTableID: minUserTableID - 1,
		streamBreak: -1,
		calls:       map[string]int{},
		headers:     map[string]metadata.MD{},
	}
	s.dbs[dbKey{defaultCatalog, defaultSchema}] = &database{key: dbKey{defaultCatalog, defaultSchema}, tables: map[string]*tableState{}}
	return s
}

// StartT starts a server for a test and closes it at the test's end.
func StartT(t testing.TB, opts Options) *Server {
	t.Helper()
	s, err := Start(opts)
	if err != nil {
		t.Fatalf("start greptimetest server: %v", err)
	}
	t.Cleanup(s.Close)
	return s
}

// greptimeWindow is the HTTP/2 flow-control window GreptimeDB's gRPC
// server grants (see serve).
const greptimeWindow = 1 << 20

func (s *Server) serve(addr string) error {
	lis, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", addr, err)
	}
	// GreptimeDB builds its tonic server with no keepalive policy
	// (servers/src/grpc.rs, tonic::transport::Server::builder()), and hyper's
	// h2 has no ping-strike rule, so client keepalive pings are accepted;
	// grpc-go's default would answer a client pinging every 30 s with GOAWAY
	// "too_many_pings".
	sopts := []grpc.ServerOption{
		grpc.MaxRecvMsgSize(maxMessageSize), grpc.MaxSendMsgSize(maxMessageSize),
		grpc.KeepaliveEnforcementPolicy(keepalive.EnforcementPolicy{MinTime: time.Second, PermitWithoutStream: true}),
		// Flow control as GreptimeDB's server grants it: tonic leaves the
		// windows unset, so hyper's h2 server defaults apply, 1 MiB per
		// stream and per connection with no adaptive window
		// (hyper src/proto/h2/server.rs DEFAULT_STREAM_WINDOW,
		// DEFAULT_CONN_WINDOW). Setting them also turns off grpc-go's BDP
		// estimation, which hyper's adaptive_window false matches.
		grpc.InitialWindowSize(greptimeWindow), grpc.InitialConnWindowSize(greptimeWindow),
	}
	if s.opts.Load {
		// Received frames and messages go into the writer's buffer pool,
		// which does not clear what it hands out (every byte is read in
		// before it is used); gRPC's default pool clears each buffer, 6%
		// of the load mode's CPU under Prometheus-shaped load (issue #12).
		sopts = append(sopts, grpc.ForceServerCodecV2(newLoadCodec()), experimental.BufferPool(bufpool.Default))
	}
	if s.opts.TLSCertFile != "" {
		cert, err := tls.LoadX509KeyPair(s.opts.TLSCertFile, s.opts.TLSKeyFile)
		if err != nil {
			lis.Close()
			return fmt.Errorf("load tls certificate: %w", err)
		}
		// rustls, under tonic, speaks TLS 1.2 and 1.3.
		sopts = append(sopts, grpc.Creds(credentials.NewTLS(&tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12})))
	}
	gs := grpc.NewServer(sopts...)
	s.smu.Lock()
	s.lis, s.gs, s.addr = lis, gs, lis.Addr().String()
	s.smu.Unlock()
	if s.opts.Load {
		gs.RegisterService(loadServiceDesc(), &databaseService{s: s})
	} else {
		gpb.RegisterGreptimeDatabaseServer(gs, &databaseService{s: s})
	}
	gpb.RegisterHealthCheckServer(gs, &healthService{s: s})
	s.registerFlightService()
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		_ = gs.Serve(lis)
	}()
	return nil
}

// Addr returns the address the server listens on, host:port.
func (s *Server) Addr() string {
	s.smu.Lock()
	defer s.smu.Unlock()
	return s.addr
}

// GRPCServer returns the current grpc.Server (a new one after Restart).
func (s *Server) GRPCServer() *grpc.Server {
	s.smu.Lock()
	defer s.smu.Unlock()
	return s.gs
}

// Stop stops serving: open connections are closed and new ones refused.
// The data is kept; Restart serves it again.
func (s *Server) Stop() {
	s.smu.Lock()
	gs := s.gs
	s.gs = nil
	s.smu.Unlock()
	if gs != nil {
		gs.Stop()
	}
	s.wg.Wait()
}

// Restart serves again on the same address with the same data.
func (s *Server) Restart() error {
	s.smu.Lock()
	if s.closed {
		s.smu.Unlock()
		return errors.New("restart greptimetest server: server is closed")
	}
	running := s.gs != nil
	addr := s.addr
	s.smu.Unlock()
	if running {
		return nil
	}
	return s.serve(addr)
}

// Close stops the server for good.
func (s *Server) Close() {
	s.smu.Lock()
	s.closed = true
	s.smu.Unlock()
	s.Stop()
}

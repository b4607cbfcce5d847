package writer

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"net"
	"os"
	"testing"
	"time"

	gpb "github.com/GreptimeTeam/greptime-proto/go/greptime/v1"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"
)

// healthOnly answers the HealthCheck service, all a TLS handshake test
// needs from a server.
type healthOnly struct {
	gpb.UnimplementedHealthCheckServer
}

func (healthOnly) HealthCheck(context.Context, *gpb.HealthCheckRequest) (*gpb.HealthCheckResponse, error) {
	return &gpb.HealthCheckResponse{}, nil
}

// startTLSServer serves HealthCheck over mutual TLS on 127.0.0.1.
func startTLSServer(t *testing.T, certFile, keyFile string) string {
	t.Helper()
	cert, err := tls.LoadX509KeyPair(certFile, keyFile)
	if err != nil {
		t.Fatal(err)
	}
	pem, err := os.ReadFile(certFile)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(pem)
	creds := credentials.NewTLS(&tls.Config{
		Certificates: []tls.Certificate{cert}, ClientCAs: pool,
		ClientAuth: tls.RequireAndVerifyClientCert, MinVersion: tls.VersionTLS12,
	})
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := grpc.NewServer(grpc.Creds(creds))
	gpb.RegisterHealthCheckServer(srv, healthOnly{})
	done := make(chan struct{})
	go func() { defer close(done); _ = srv.Serve(lis) }()
	t.Cleanup(func() { srv.Stop(); <-done })
	return lis.Addr().String()
}

func TestTLSHandshakeWithCustomCAAndClientCert(t *testing.T) {
	certFile, keyFile := writeTestCert(t)
	addr := startTLSServer(t, certFile, keyFile)
	check := func(opts TLSOptions) error {
		tc, err := TLSConfig(opts)
		if err != nil {
			t.Fatal(err)
		}
		cfg := DefaultConfig(addr)
		cfg.TLS = tc
		cfg.ConnectTimeout = 2 * time.Second
		c, err := NewClient(cfg)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		return c.HealthCheck(ctx)
	}
	if err := check(TLSOptions{CAFile: certFile, CertFile: certFile, KeyFile: keyFile}); err != nil {
		t.Fatalf("mutual tls with the custom ca: %v", err)
	}
	if err := check(TLSOptions{InsecureSkipVerify: true, CertFile: certFile, KeyFile: keyFile}); err != nil {
		t.Fatalf("insecure dev mode: %v", err)
	}
	if err := check(TLSOptions{CertFile: certFile, KeyFile: keyFile}); err == nil {
		t.Error("system roots accepted a self-signed server certificate")
	}
	if err := check(TLSOptions{CAFile: certFile}); err == nil {
		t.Error("server requiring a client certificate accepted a client without one")
	}
}

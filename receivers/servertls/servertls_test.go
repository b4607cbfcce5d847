package servertls_test

import (
	"bytes"
	"crypto/tls"
	"io"
	"log/slog"
	"math/big"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/greptime-bridge/greptime-bridge/receivers/servertls"
	"github.com/greptime-bridge/greptime-bridge/receivers/servertls/tlstest"
)

// serve accepts TLS connections on 127.0.0.1 with cfg; each that completes
// its handshake is sent one byte and closed.
func serve(t *testing.T, cfg *tls.Config) string {
	t.Helper()
	ln, err := tls.Listen("tcp", "127.0.0.1:0", cfg)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	t.Cleanup(func() {
		ln.Close()
		wg.Wait()
	})
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer c.Close()
				_ = c.SetDeadline(time.Now().Add(10 * time.Second))
				if c.(*tls.Conn).Handshake() == nil {
					_, _ = c.Write([]byte("k"))
				}
			}()
		}
	}()
	return ln.Addr().String()
}

// dial handshakes and reads the server's byte; it returns the server
// certificate's serial, or the error that stopped the connection (with TLS
// 1.3 a refused client certificate shows at the first read).
func dial(t *testing.T, addr string, cfg *tls.Config) (*big.Int, error) {
	t.Helper()
	c, err := tls.DialWithDialer(&net.Dialer{Timeout: 10 * time.Second}, "tcp", addr, cfg)
	if err != nil {
		return nil, err
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(10 * time.Second))
	b := make([]byte, 1)
	if _, err := io.ReadFull(c, b); err != nil {
		return nil, err
	}
	return c.ConnectionState().PeerCertificates[0].SerialNumber, nil
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestRotationReachesNewHandshakes: after the certificate and key files
// are replaced, the next handshake presents the new certificate; a
// rotation caught half-written keeps the old one and says so once.
func TestRotationReachesNewHandshakes(t *testing.T) {
	ca := tlstest.NewCA(t, "rotate")
	first, second := ca.Server(t, "first"), ca.Server(t, "second")
	dir := t.TempDir()
	certFile, keyFile := dir+"/tls.crt", dir+"/tls.key"
	base := time.Now().Add(-time.Hour)
	first.WriteTo(t, certFile, keyFile, base)
	var logs syncBuffer
	r, err := servertls.New(servertls.Options{
		CertFile: certFile, KeyFile: keyFile, MinVersion: tls.VersionTLS12,
		Log: slog.New(slog.NewTextHandler(&logs, nil)),
	})
	if err != nil {
		t.Fatal(err)
	}
	addr := serve(t, r.ServerConfig("http/1.1"))
	client := &tls.Config{RootCAs: ca.Pool(), ServerName: "localhost", MinVersion: tls.VersionTLS12}
	if got, err := dial(t, addr, client); err != nil || got.Cmp(first.Serial) != 0 {
		t.Fatalf("before rotation: serial %v, %v; want %v", got, err, first.Serial)
	}
	// Half a rotation: the new certificate with the old key.
	second.WriteTo(t, certFile, dir+"/unused.key", base.Add(time.Minute))
	for i := 0; i < 3; i++ {
		if got, err := dial(t, addr, client); err != nil || got.Cmp(first.Serial) != 0 {
			t.Fatalf("half rotated: serial %v, %v; want the previous %v", got, err, first.Serial)
		}
	}
	if n := strings.Count(logs.String(), "cannot reload"); n != 1 {
		t.Errorf("%d failed-reload lines, want 1:\n%s", n, logs.String())
	}
	second.WriteTo(t, certFile, keyFile, base.Add(2*time.Minute))
	if got, err := dial(t, addr, client); err != nil || got.Cmp(second.Serial) != 0 {
		t.Fatalf("after rotation: serial %v, %v; want %v", got, err, second.Serial)
	}
	if !strings.Contains(logs.String(), "reloaded the listener's TLS certificate") {
		t.Errorf("no reload line:\n%s", logs.String())
	}
	if strings.Contains(logs.String(), "PRIVATE KEY") {
		t.Error("key material logged")
	}
}

func TestClientCertificates(t *testing.T) {
	ca, other := tlstest.NewCA(t, "clients"), tlstest.NewCA(t, "other")
	srv := ca.Server(t, "srv")
	good, stranger := ca.Client(t, "sender"), other.Client(t, "stranger")
	dir := t.TempDir()
	caFile := dir + "/clients.pem"
	// The client CA file starts as the first CA and is rotated to the other.
	tlstest.Pair{CertFile: ca.File, KeyFile: ca.File}.WriteTo(t, caFile, dir+"/ignored", time.Now().Add(-time.Hour))
	for _, mode := range []tls.ClientAuthType{tls.RequireAndVerifyClientCert, tls.VerifyClientCertIfGiven} {
		r, err := servertls.New(servertls.Options{
			CertFile: srv.CertFile, KeyFile: srv.KeyFile, ClientCAFile: caFile,
			ClientAuth: mode, MinVersion: tls.VersionTLS13,
		})
		if err != nil {
			t.Fatal(err)
		}
		addr := serve(t, r.ServerConfig("http/1.1"))
		with := func(p *tlstest.Pair) *tls.Config {
			c := &tls.Config{RootCAs: ca.Pool(), ServerName: "localhost", MinVersion: tls.VersionTLS12}
			if p != nil {
				// Sent whatever CAs the server names (Go would otherwise
				// send no certificate the server's CAs did not sign).
				kp := p.KeyPair(t)
				c.GetClientCertificate = func(*tls.CertificateRequestInfo) (*tls.Certificate, error) { return &kp, nil }
			}
			return c
		}
		if _, err := dial(t, addr, with(&good)); err != nil {
			t.Errorf("%v: client certificate from the CA refused: %v", mode, err)
		}
		if _, err := dial(t, addr, with(&stranger)); err == nil {
			t.Errorf("%v: client certificate from another CA accepted", mode)
		}
		_, err = dial(t, addr, with(nil))
		if (err == nil) != (mode == tls.VerifyClientCertIfGiven) {
			t.Errorf("%v: without a client certificate: %v", mode, err)
		}
		tooOld := with(&good)
		tooOld.MaxVersion = tls.VersionTLS12
		if _, err := dial(t, addr, tooOld); err == nil {
			t.Errorf("%v: TLS 1.2 accepted with min_version 1.3", mode)
		}
	}
	// Rotating the client CA file changes who is let in, without a restart.
	r, err := servertls.New(servertls.Options{
		CertFile: srv.CertFile, KeyFile: srv.KeyFile, ClientCAFile: caFile,
		ClientAuth: tls.RequireAndVerifyClientCert, MinVersion: tls.VersionTLS12,
	})
	if err != nil {
		t.Fatal(err)
	}
	addr := serve(t, r.ServerConfig("http/1.1"))
	tlstest.Pair{CertFile: other.File, KeyFile: other.File}.WriteTo(t, caFile, dir+"/ignored", time.Now())
	cfg := &tls.Config{
		RootCAs: ca.Pool(), ServerName: "localhost", MinVersion: tls.VersionTLS12,
		Certificates: []tls.Certificate{stranger.KeyPair(t)},
	}
	if _, err := dial(t, addr, cfg); err != nil {
		t.Errorf("client of the rotated-in CA refused: %v", err)
	}
}

func TestNewRefusesBadFiles(t *testing.T) {
	ca := tlstest.NewCA(t, "bad")
	srv := ca.Server(t, "srv")
	for name, o := range map[string]servertls.Options{
		"missing cert":      {CertFile: "/nonexistent.crt", KeyFile: srv.KeyFile},
		"key is not a key":  {CertFile: srv.CertFile, KeyFile: srv.CertFile},
		"verify without ca": {CertFile: srv.CertFile, KeyFile: srv.KeyFile, ClientAuth: tls.RequireAndVerifyClientCert},
		"ca holds no cert": {
			CertFile: srv.CertFile, KeyFile: srv.KeyFile, ClientCAFile: srv.KeyFile,
			ClientAuth: tls.RequireAndVerifyClientCert,
		},
	} {
		if _, err := servertls.New(o); err == nil {
			t.Errorf("%s: accepted", name)
		} else if strings.Contains(err.Error(), "PRIVATE KEY") {
			t.Errorf("%s: error shows key material: %v", name, err)
		}
	}
}

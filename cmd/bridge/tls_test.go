package main

import (
	"bytes"
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/klauspost/compress/snappy"
	"go.opentelemetry.io/collector/pdata/pmetric/pmetricotlp"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"
	"google.golang.org/protobuf/encoding/protowire"

	"github.com/greptime-bridge/greptime-bridge/receivers/servertls/tlstest"
	"github.com/greptime-bridge/greptime-bridge/writer/greptimetest"
)

// rw1Samples is a snappy remote-write 1.0 request of n samples of metric
// name at timestamps ts0, ts0+1, ….
func rw1Samples(name string, n int, ts0 int64) []byte {
	var lb []byte
	lb = protowire.AppendTag(lb, 1, protowire.BytesType)
	lb = protowire.AppendString(lb, "__name__")
	lb = protowire.AppendTag(lb, 2, protowire.BytesType)
	lb = protowire.AppendString(lb, name)
	var ts []byte
	ts = protowire.AppendTag(ts, 1, protowire.BytesType)
	ts = protowire.AppendBytes(ts, lb)
	for i := 0; i < n; i++ {
		var sb []byte
		sb = protowire.AppendTag(sb, 1, protowire.Fixed64Type)
		sb = protowire.AppendFixed64(sb, math.Float64bits(float64(i)))
		sb = protowire.AppendTag(sb, 2, protowire.VarintType)
		sb = protowire.AppendVarint(sb, uint64(ts0+int64(i)))
		ts = protowire.AppendTag(ts, 2, protowire.BytesType)
		ts = protowire.AppendBytes(ts, sb)
	}
	var req []byte
	req = protowire.AppendTag(req, 1, protowire.BytesType)
	req = protowire.AppendBytes(req, ts)
	return snappy.Encode(nil, req)
}

func postRW(t *testing.T, c *http.Client, url string, body []byte) int {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, url+"/api/v1/write", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/x-protobuf")
	req.Header.Set("Content-Encoding", "snappy")
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusNoContent {
		t.Logf("status %d: %s", resp.StatusCode, b)
	}
	return resp.StatusCode
}

// TestListenersOverTLS: with listen.tls requiring client certificates,
// remote write over HTTPS and OTLP over gRPC with TLS are served to a
// client with a certificate from the client CA, refused to one without,
// and a certificate rotated on disk reaches the next connection.
func TestListenersOverTLS(t *testing.T) {
	ca := tlstest.NewCA(t, "listen")
	first, second := ca.Server(t, "first"), ca.Server(t, "second")
	client := ca.Client(t, "prometheus")
	dir := t.TempDir()
	certFile, keyFile := dir+"/tls.crt", dir+"/tls.key"
	base := time.Now().Add(-time.Hour)
	first.WriteTo(t, certFile, keyFile, base)
	srv := greptimetest.StartT(t, greptimetest.Options{})
	b := startBridge(t, fmt.Sprintf(`greptimedb: {endpoints: [%q]}
pipeline: {flush_interval: 1ms}
listen:
  tls: {enabled: true, cert_file: %s, key_file: %s, client_ca_file: %s, client_auth: require}
`, srv.Addr(), certFile, keyFile, ca.File))

	kp := client.KeyPair(t)
	newClient := func(withCert bool) *http.Client {
		tc := &tls.Config{RootCAs: ca.Pool(), MinVersion: tls.VersionTLS12}
		if withCert {
			tc.Certificates = []tls.Certificate{kp}
		}
		return &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{TLSClientConfig: tc, DisableKeepAlives: true}}
	}
	url := "https://" + b.httpAddr
	if code := postRW(t, newClient(true), url, rw1Samples("tls_up", 3, 1000)); code != http.StatusNoContent {
		t.Fatalf("remote write over TLS: %d", code)
	}
	if n := srv.RowCount("public", "tls_up"); n != 3 {
		t.Fatalf("%d rows, want 3", n)
	}
	req, _ := http.NewRequest(http.MethodPost, url+"/api/v1/write", bytes.NewReader(rw1Samples("tls_up", 1, 5000)))
	if resp, err := newClient(false).Do(req); err == nil {
		resp.Body.Close()
		t.Fatalf("a client without a certificate was answered %d", resp.StatusCode)
	}
	if resp, err := http.Get("http://" + b.httpAddr + "/-/healthy"); err == nil && resp.StatusCode == 200 {
		resp.Body.Close()
		t.Fatal("plain HTTP served on the TLS listener")
	}
	conn, err := grpc.NewClient(b.grpcAddr, grpc.WithTransportCredentials(credentials.NewTLS(&tls.Config{
		RootCAs: ca.Pool(), Certificates: []tls.Certificate{kp}, MinVersion: tls.VersionTLS12,
	})))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := pmetricotlp.NewGRPCClient(conn).Export(ctx, gauge("tls_gauge")); err != nil {
		t.Fatalf("OTLP/gRPC over TLS: %v", err)
	}
	if n := srv.RowCount("public", "tls_gauge"); n != 1 {
		t.Fatalf("%d rows of tls_gauge, want 1", n)
	}

	serial := func() string {
		c, err := tls.Dial("tcp", b.httpAddr, &tls.Config{RootCAs: ca.Pool(), Certificates: []tls.Certificate{kp}, MinVersion: tls.VersionTLS12})
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		return c.ConnectionState().PeerCertificates[0].SerialNumber.String()
	}
	if got := serial(); got != first.Serial.String() {
		t.Fatalf("serving %s, want the first certificate %s", got, first.Serial)
	}
	second.WriteTo(t, certFile, keyFile, base.Add(time.Minute))
	if got := serial(); got != second.Serial.String() {
		t.Fatalf("after rotation serving %s, want %s", got, second.Serial)
	}
	if code := postRW(t, newClient(true), url, rw1Samples("tls_up", 2, 2000)); code != http.StatusNoContent {
		t.Fatalf("remote write after rotation: %d", code)
	}
	if n := srv.RowCount("public", "tls_up"); n != 5 {
		t.Fatalf("%d rows, want 5", n)
	}
}

// TestGreptimeDBOverTLS: the bridge reaches GreptimeDB over TLS with a
// custom CA and server_name on both write paths (row insert and Arrow
// Flight bulk share the one connection), and presents its client
// certificate where a TLS front (GreptimeDB itself asks for none) requires
// one.
func TestGreptimeDBOverTLS(t *testing.T) {
	ca := tlstest.NewCA(t, "db")
	dbCert := ca.Server(t, "greptimedb", "greptimedb.test")
	srv := greptimetest.StartT(t, greptimetest.Options{TLSCertFile: dbCert.CertFile, TLSKeyFile: dbCert.KeyFile})
	b := startBridge(t, fmt.Sprintf(`greptimedb:
  endpoints: [%q]
  tls: {enabled: true, ca_file: %s, server_name: greptimedb.test}
pipeline: {flush_interval: 1ms, mode: auto, bulk_threshold_rows: 2}
database_defaults: {metric_engine: false}
`, srv.Addr(), ca.File))
	c := &http.Client{Timeout: 10 * time.Second}
	// The first batch creates the table by row insert; the next, over the
	// bulk threshold, streams through Flight.
	for i, n := range []int{1, 5} {
		if code := postRW(t, c, "http://"+b.httpAddr, rw1Samples("over_tls", n, int64(1000*(i+1)))); code != http.StatusNoContent {
			t.Fatalf("write %d: %d", i, code)
		}
	}
	pc := srv.PathCounts("public", "over_tls")
	if srv.RowCount("public", "over_tls") != 6 || pc[greptimetest.PathRowInsert] == 0 || pc[greptimetest.PathBulk] == 0 {
		t.Fatalf("rows %d by path %v: want 6, through both paths", srv.RowCount("public", "over_tls"), pc)
	}

	// Mutual TLS: a TLS front that requires a client certificate from the
	// CA, forwarding to a plaintext GreptimeDB.
	plain := greptimetest.StartT(t, greptimetest.Options{})
	client := ca.Client(t, "bridge")
	front, seen := mtlsFront(t, ca, dbCert, plain.Addr())
	b2 := startBridge(t, fmt.Sprintf(`greptimedb:
  endpoints: [%q]
  tls: {enabled: true, ca_file: %s, server_name: greptimedb.test, cert_file: %s, key_file: %s}
pipeline: {flush_interval: 1ms}
`, front, ca.File, client.CertFile, client.KeyFile))
	if code := postRW(t, c, "http://"+b2.httpAddr, rw1Samples("over_mtls", 4, 1000)); code != http.StatusNoContent {
		t.Fatalf("write through mTLS: %d", code)
	}
	if n := plain.RowCount("public", "over_mtls"); n != 4 {
		t.Fatalf("%d rows through mTLS, want 4", n)
	}
	if got := seen(); got != "bridge" {
		t.Fatalf("the front saw client certificate %q, want bridge", got)
	}
}

// mtlsFront listens on 127.0.0.1 with TLS requiring a client certificate
// signed by ca and copies bytes to backend (h2 inside). It returns its
// address and the common name of the last client certificate seen.
func mtlsFront(t *testing.T, ca *tlstest.CA, cert tlstest.Pair, backend string) (string, func() string) {
	t.Helper()
	ln, err := tls.Listen("tcp", "127.0.0.1:0", &tls.Config{
		Certificates: []tls.Certificate{cert.KeyPair(t)}, ClientCAs: ca.Pool(),
		ClientAuth: tls.RequireAndVerifyClientCert, NextProtos: []string{"h2"}, MinVersion: tls.VersionTLS12,
	})
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var cn string
	var wg sync.WaitGroup
	var conns []net.Conn
	t.Cleanup(func() {
		ln.Close()
		mu.Lock()
		for _, c := range conns {
			c.Close()
		}
		mu.Unlock()
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
			tc := c.(*tls.Conn)
			if err := tc.Handshake(); err != nil {
				c.Close()
				continue
			}
			up, err := net.Dial("tcp", backend)
			if err != nil {
				c.Close()
				continue
			}
			mu.Lock()
			cn = tc.ConnectionState().PeerCertificates[0].Subject.CommonName
			conns = append(conns, c, up)
			mu.Unlock()
			wg.Add(2)
			go func() { defer wg.Done(); _, _ = io.Copy(up, c); up.Close() }()
			go func() { defer wg.Done(); _, _ = io.Copy(c, up); c.Close() }()
		}
	}()
	return ln.Addr().String(), func() string {
		mu.Lock()
		defer mu.Unlock()
		return strings.TrimSpace(cn)
	}
}

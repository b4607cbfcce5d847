package writer

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// writeTestCert writes a self-signed certificate for 127.0.0.1 and its key
// as PEM files and returns their paths.
func writeTestCert(t *testing.T) (certFile, keyFile string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "greptime-test"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1)},
		DNSNames:              []string{"localhost"},
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth},
		IsCA:                  true,
		BasicConstraintsValid: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kder, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	if err := os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kder}), 0o600); err != nil {
		t.Fatal(err)
	}
	return certFile, keyFile
}

func TestTLSConfig(t *testing.T) {
	cert, key := writeTestCert(t)
	sys, err := TLSConfig(TLSOptions{})
	if err != nil || sys.RootCAs != nil || sys.InsecureSkipVerify {
		t.Fatalf("system roots: %+v %v", sys, err)
	}
	full, err := TLSConfig(TLSOptions{CAFile: cert, CertFile: cert, KeyFile: key, ServerName: "db.example"})
	if err != nil {
		t.Fatal(err)
	}
	if full.RootCAs == nil || len(full.Certificates) != 1 || full.ServerName != "db.example" {
		t.Errorf("custom ca and client cert not applied: %+v", full)
	}
	dev, err := TLSConfig(TLSOptions{InsecureSkipVerify: true})
	if err != nil || !dev.InsecureSkipVerify {
		t.Errorf("insecure dev mode: %v", err)
	}
	bad := map[string]TLSOptions{
		"missing ca":       {CAFile: filepath.Join(t.TempDir(), "nope.pem")},
		"ca without pem":   {CAFile: key + ".txt"},
		"cert without key": {CertFile: cert},
		"key without cert": {KeyFile: key},
		"key is not a key": {CertFile: cert, KeyFile: cert},
	}
	if err := os.WriteFile(key+".txt", []byte("not pem"), 0o600); err != nil {
		t.Fatal(err)
	}
	for name, o := range bad {
		if _, err := TLSConfig(o); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

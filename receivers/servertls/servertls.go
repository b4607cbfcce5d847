package servertls

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"time"
)

// Options names the files and the policy.
type Options struct {
	// CertFile and KeyFile are the PEM server certificate chain and key.
	CertFile, KeyFile string
	// ClientCAFile is a PEM bundle client certificates are verified
	// against; empty when ClientAuth does not verify.
	ClientCAFile string
	// ClientAuth is tls.NoClientCert, tls.VerifyClientCertIfGiven or
	// tls.RequireAndVerifyClientCert.
	ClientAuth tls.ClientAuthType
	// MinVersion is tls.VersionTLS12 or tls.VersionTLS13.
	MinVersion uint16
	// Log receives a line for each reload and each failed one; nil
	// discards.
	Log *slog.Logger
}

// Reloader holds the files' current contents and reloads them on change.
type Reloader struct {
	o Options

	mu     sync.Mutex
	state  *loaded
	failed signature // files whose load failed, so it is logged once
}

type loaded struct {
	sig  signature
	cert *tls.Certificate
	cas  *x509.CertPool
}

// signature identifies the files' versions: size and modification time.
type signature [3]struct {
	size  int64
	mtime time.Time
}

// New loads the files once; an error names the file that could not be used.
func New(o Options) (*Reloader, error) {
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	r := &Reloader{o: o}
	sig, err := r.stat()
	if err != nil {
		return nil, err
	}
	st, err := r.load(sig)
	if err != nil {
		return nil, err
	}
	r.state = st
	return r, nil
}

// ServerConfig returns a tls.Config for one listener, offering nextProtos
// in ALPN ("h2" for gRPC; "h2", "http/1.1" for HTTP). Each handshake gets
// the files' current certificate and client CAs.
func (r *Reloader) ServerConfig(nextProtos ...string) *tls.Config {
	return &tls.Config{
		MinVersion: r.o.MinVersion,
		NextProtos: nextProtos,
		GetConfigForClient: func(*tls.ClientHelloInfo) (*tls.Config, error) {
			st := r.current()
			return &tls.Config{
				MinVersion:   r.o.MinVersion,
				NextProtos:   nextProtos,
				Certificates: []tls.Certificate{*st.cert},
				ClientAuth:   r.o.ClientAuth,
				ClientCAs:    st.cas,
			}, nil
		},
	}
}

// current returns the loaded files, reloading them first when they
// changed. A failed reload (a key not yet matching a new certificate while
// a rotation is half written, say) keeps serving the previous files and is
// tried again on the next handshake.
func (r *Reloader) current() *loaded {
	r.mu.Lock()
	defer r.mu.Unlock()
	sig, err := r.stat()
	if err != nil || sig == r.state.sig {
		if err != nil && sig != r.failed {
			r.failed = sig
			r.o.Log.Error("cannot check the listener's TLS files; serving the previous certificate", "error", err)
		}
		return r.state
	}
	st, err := r.load(sig)
	if err != nil {
		if sig != r.failed {
			r.failed = sig
			r.o.Log.Error("cannot reload the listener's TLS files; serving the previous certificate", "error", err)
		}
		return r.state
	}
	r.state = st
	r.o.Log.Info("reloaded the listener's TLS certificate", "cert_file", r.o.CertFile, "not_after", st.cert.Leaf.NotAfter)
	return st
}

func (r *Reloader) stat() (signature, error) {
	var sig signature
	for i, name := range []string{r.o.CertFile, r.o.KeyFile, r.o.ClientCAFile} {
		if name == "" {
			continue
		}
		fi, err := os.Stat(name)
		if err != nil {
			return sig, fmt.Errorf("tls file: %w", err)
		}
		sig[i].size, sig[i].mtime = fi.Size(), fi.ModTime()
	}
	return sig, nil
}

func (r *Reloader) load(sig signature) (*loaded, error) {
	cert, err := tls.LoadX509KeyPair(r.o.CertFile, r.o.KeyFile)
	if err != nil {
		// The error names no key material, only what was wrong.
		return nil, fmt.Errorf("cannot load tls certificate %s with key %s: %w", r.o.CertFile, r.o.KeyFile, err)
	}
	st := &loaded{sig: sig, cert: &cert}
	if r.o.ClientCAFile != "" {
		pem, err := os.ReadFile(r.o.ClientCAFile)
		if err != nil {
			return nil, fmt.Errorf("cannot read tls client ca file: %w", err)
		}
		st.cas = x509.NewCertPool()
		if !st.cas.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("tls client ca file %s holds no pem certificate", r.o.ClientCAFile)
		}
	} else if r.o.ClientAuth == tls.VerifyClientCertIfGiven || r.o.ClientAuth == tls.RequireAndVerifyClientCert {
		return nil, errors.New("verifying client certificates needs a client ca file")
	}
	return st, nil
}

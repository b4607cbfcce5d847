package auth

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"log/slog"
	"strings"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/greptime-bridge/greptime-bridge/writer/errs"
)

// ErrUnauthenticated is returned for a missing or wrong credential. Its text
// names no user and no secret.
var ErrUnauthenticated = errs.Mark(errors.New("authentication required: missing or invalid credentials"), errs.Unauthenticated)

// AllDatabases in a credential's database list lets it write to every
// database.
const AllDatabases = "*"

// Credential is one basic-auth user or bearer token.
type Credential struct {
	// Name identifies the credential in logs and metrics: the user name
	// for basic auth, a configured label for a token. It is never secret.
	Name string
	// Secret is the password or the token.
	Secret string
	// Databases are the databases the credential may write; AllDatabases
	// allows every one. An empty list allows none.
	Databases []string
}

// Options configures an Authenticator.
type Options struct {
	// Users are basic-auth users (Name is the user name).
	Users []Credential
	// Tokens are bearer tokens.
	Tokens []Credential
	// DefaultDatabase is where a batch that names no database is written
	// (the writer's default), so it is authorized as that database.
	DefaultDatabase string
	// Registerer receives the authentication counters; nil registers none.
	Registerer prometheus.Registerer
	// Log receives one line per refused write (credential name and
	// database, never a secret); nil discards.
	Log *slog.Logger
}

// Authenticator checks Authorization values and authorizes databases. The
// zero value, a nil one, and one built with no users and no tokens accept
// every request for every database.
type Authenticator struct {
	users  []entry
	tokens []entry
	defDB  string
	log    *slog.Logger
	m      *metrics
}

// entry is a credential as it is compared: digests of equal length, so
// comparing costs the same whatever was sent.
type entry struct {
	name   [32]byte // sha256 of the user name (users only)
	secret [32]byte // sha256 of the password or token
	p      *Principal
}

// New returns an authenticator for o's users and tokens.
func New(o Options) *Authenticator {
	a := &Authenticator{defDB: o.DefaultDatabase, log: o.Log, m: newMetrics(o.Registerer)}
	if a.log == nil {
		a.log = slog.New(slog.DiscardHandler)
	}
	for _, u := range o.Users {
		a.users = append(a.users, entry{
			name: sha256.Sum256([]byte(u.Name)), secret: sha256.Sum256([]byte(u.Secret)),
			p: newPrincipal("user "+u.Name, u.Databases),
		})
	}
	for _, t := range o.Tokens {
		a.tokens = append(a.tokens, entry{secret: sha256.Sum256([]byte(t.Secret)), p: newPrincipal("token "+t.Name, t.Databases)})
	}
	return a
}

// Enabled reports whether requests must authenticate.
func (a *Authenticator) Enabled() bool {
	return a != nil && (len(a.users) > 0 || len(a.tokens) > 0)
}

// Authenticate validates an Authorization header value ("Basic …" or
// "Bearer …") and returns who sent it. With authentication disabled it
// returns nil and no error. Every configured credential of the scheme is
// compared, in constant time, whether or not an earlier one matched, so
// the time taken says nothing about which user names exist or how much of
// a secret was right.
func (a *Authenticator) Authenticate(authorization string) (*Principal, error) {
	if !a.Enabled() {
		return nil, nil
	}
	p := a.match(authorization)
	if p == nil {
		a.m.unauthenticated.Inc()
		return nil, ErrUnauthenticated
	}
	return p, nil
}

func (a *Authenticator) match(authorization string) *Principal {
	scheme, cred, ok := strings.Cut(strings.TrimSpace(authorization), " ")
	if !ok {
		return nil
	}
	cred = strings.TrimSpace(cred)
	switch strings.ToLower(scheme) {
	case "basic":
		raw, err := base64.StdEncoding.DecodeString(cred)
		if err != nil {
			return nil
		}
		user, pass, ok := strings.Cut(string(raw), ":")
		if !ok {
			return nil
		}
		return find(a.users, sha256.Sum256([]byte(user)), sha256.Sum256([]byte(pass)), true)
	case "bearer":
		return find(a.tokens, [32]byte{}, sha256.Sum256([]byte(cred)), false)
	}
	return nil
}

// find returns the entry matching name (when byName) and secret, looking at
// every entry with constant-time comparisons and selection.
func find(list []entry, name, secret [32]byte, byName bool) *Principal {
	idx := -1
	for i := range list {
		ok := subtle.ConstantTimeCompare(list[i].secret[:], secret[:])
		if byName {
			ok &= subtle.ConstantTimeCompare(list[i].name[:], name[:])
		}
		idx = subtle.ConstantTimeSelect(ok, i, idx)
	}
	if idx < 0 {
		return nil
	}
	return list[idx].p
}

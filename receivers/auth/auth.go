package auth

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"strings"

	"github.com/greptime-bridge/greptime-bridge/writer/errs"
)

// ErrUnauthenticated is returned for a missing or wrong credential. Its text
// names no user and no secret.
var ErrUnauthenticated = errs.Mark(errors.New("authentication required: missing or invalid credentials"), errs.Unauthenticated)

// Authenticator checks Authorization values. The zero value (and one built
// with no users and no tokens) accepts every request.
type Authenticator struct {
	users  map[string][32]byte // user → sha256(password)
	tokens [][32]byte
}

// New returns an authenticator for basic-auth users and bearer tokens.
func New(users map[string]string, tokens []string) *Authenticator {
	a := &Authenticator{users: make(map[string][32]byte, len(users))}
	for u, p := range users {
		a.users[u] = sha256.Sum256([]byte(p))
	}
	for _, t := range tokens {
		a.tokens = append(a.tokens, sha256.Sum256([]byte(t)))
	}
	return a
}

// Enabled reports whether requests must authenticate.
func (a *Authenticator) Enabled() bool {
	return a != nil && (len(a.users) > 0 || len(a.tokens) > 0)
}

// Check validates an Authorization header value ("Basic …" or "Bearer …").
func (a *Authenticator) Check(authorization string) error {
	if !a.Enabled() {
		return nil
	}
	scheme, cred, ok := strings.Cut(strings.TrimSpace(authorization), " ")
	if !ok {
		return ErrUnauthenticated
	}
	cred = strings.TrimSpace(cred)
	switch strings.ToLower(scheme) {
	case "basic":
		raw, err := base64.StdEncoding.DecodeString(cred)
		if err != nil {
			return ErrUnauthenticated
		}
		user, pass, ok := strings.Cut(string(raw), ":")
		if !ok {
			return ErrUnauthenticated
		}
		want, known := a.users[user]
		got := sha256.Sum256([]byte(pass))
		// Compare even for unknown users so timing does not reveal them.
		if subtle.ConstantTimeCompare(want[:], got[:]) == 1 && known {
			return nil
		}
	case "bearer":
		got := sha256.Sum256([]byte(cred))
		match := 0
		for _, t := range a.tokens {
			match |= subtle.ConstantTimeCompare(t[:], got[:])
		}
		if match == 1 {
			return nil
		}
	}
	return ErrUnauthenticated
}

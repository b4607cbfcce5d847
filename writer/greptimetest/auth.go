package greptimetest

import (
	"encoding/base64"
	"strings"

	gpb "github.com/GreptimeTeam/greptime-proto/go/greptime/v1"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
)

// authHeader checks RequestHeader.authorization as
// servers/src/grpc/context_auth.rs auth does: skipped when no users are
// configured; a missing header is AuthHeaderNotFound; Token is
// UnsupportedAuthScheme; Basic is checked by the static user provider
// (auth/src/user_provider.rs authenticate_with_credential). Messages never
// carry the password.
func (s *Server) authHeader(a *gpb.AuthHeader) error {
	if s.opts.Users == nil {
		return nil
	}
	if a == nil || a.AuthScheme == nil {
		return newErr(StatusAuthHeaderNotFound, "Not found http or grpc authorization header")
	}
	switch sc := a.AuthScheme.(type) {
	case *gpb.AuthHeader_Basic:
		return s.checkUser(sc.Basic.GetUsername(), sc.Basic.GetPassword())
	case *gpb.AuthHeader_Token:
		return newErr(StatusInvalidAuthHeader, "Unsupported http auth scheme, name: Token AuthScheme")
	}
	return newErr(StatusAuthHeaderNotFound, "Not found http or grpc authorization header")
}

// checkUser is authenticate_with_credential for plain-text passwords
// (auth/src/user_provider.rs): a blank user name or password is
// IllegalParam, an unknown user UserNotFound, a wrong password
// UserPasswordMismatch.
func (s *Server) checkUser(user, password string) error {
	if user == "" {
		return newErr(StatusInvalidArguments, "Illegal param: blank username")
	}
	want, ok := s.opts.Users[user]
	if !ok {
		return newErr(StatusUserNotFound, "User not found, username: %s", user)
	}
	if password == "" {
		return newErr(StatusInvalidArguments, "Illegal param: blank password")
	}
	if password != want {
		return newErr(StatusUserPasswordMismatch, "Username and password does not match, username: %s", user)
	}
	return nil
}

// metadataDB resolves the database of a DoPut call from x-greptime-db-name
// (default greptime-public) and checks auth from the x-greptime-auth or
// authorization metadata, as servers/src/grpc/context_auth.rs
// create_query_context_from_grpc_metadata and check_auth do: a value not
// starting with "Basic" gets "Basic " prepended; a malformed value is
// InvalidAuthHeader / "Invalid base64 value" (http/authorize.rs
// TryFrom<&str> for AuthScheme); a failed check is a bare Unauthenticated
// "auth failed" status without GreptimeDB trailers.
func (s *Server) metadataDB(md metadata.MD) (dbKey, error) {
	k := dbKey{defaultCatalog, defaultSchema}
	if vs := md.Get("x-greptime-db-name"); len(vs) > 0 {
		k = parseDB(vs[0])
	}
	if s.opts.Users == nil {
		return k, nil
	}
	var v string
	if vs := md.Get("x-greptime-auth"); len(vs) > 0 {
		v = vs[0]
	} else if vs := md.Get("authorization"); len(vs) > 0 {
		v = vs[0]
	} else {
		return k, newErr(StatusAuthHeaderNotFound, "Not found http or grpc authorization header")
	}
	if !(len(v) > 5 && strings.EqualFold(v[:5], "Basic")) {
		v = "Basic " + v
	}
	scheme, creds, ok := strings.Cut(v, " ")
	if !ok || strings.Contains(creds, " ") {
		return k, newErr(StatusInvalidAuthHeader, "Invalid http authorization header")
	}
	if !strings.EqualFold(scheme, "basic") {
		return k, newErr(StatusInvalidAuthHeader, "Unsupported http auth scheme, name: %s", strings.ToLower(scheme))
	}
	raw, err := base64.StdEncoding.DecodeString(creds)
	if err != nil {
		return k, newErr(StatusInvalidAuthHeader, "Invalid base64 value")
	}
	user, password, ok := strings.Cut(string(raw), ":")
	if !ok {
		return k, newErr(StatusInvalidAuthHeader, "Invalid http authorization header")
	}
	if s.checkUser(user, password) != nil {
		return k, status.Error(codes.Unauthenticated, "auth failed")
	}
	return k, nil
}

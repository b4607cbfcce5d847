package greptimetest

import (
	"encoding/base64"
	"errors"
	"strings"
	"testing"

	gpb "github.com/GreptimeTeam/greptime-proto/go/greptime/v1"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
)

func basicAuth(user, pw string) *gpb.AuthHeader {
	return &gpb.AuthHeader{AuthScheme: &gpb.AuthHeader_Basic{Basic: &gpb.Basic{Username: user, Password: pw}}}
}

func TestBasicAuthOnHandle(t *testing.T) {
	s := StartT(t, Options{Users: map[string]string{"alice": "s3cret"}})
	c := dial(t, s)
	send := func(a *gpb.AuthHeader) result {
		return c.handle(&gpb.GreptimeRequest{
			Header: &gpb.RequestHeader{Dbname: "public", Authorization: a},
			Request: &gpb.GreptimeRequest_RowInserts{RowInserts: &gpb.RowInsertRequests{Inserts: []*gpb.RowInsertRequest{
				req("t", cpuSchema(), row(sv("a"), tv(1), fv(1))),
			}}},
		})
	}
	send(nil).expectErr(t, codes.Unauthenticated, StatusAuthHeaderNotFound, "Not found http or grpc authorization header")
	send(&gpb.AuthHeader{AuthScheme: &gpb.AuthHeader_Token{Token: &gpb.Token{Token: "x"}}}).
		expectErr(t, codes.Unauthenticated, StatusInvalidAuthHeader, "Unsupported http auth scheme, name: Token AuthScheme")
	send(basicAuth("bob", "s3cret")).expectErr(t, codes.NotFound, StatusUserNotFound, "User not found, username: bob")
	r := send(basicAuth("alice", "wrong"))
	r.expectErr(t, codes.Unauthenticated, StatusUserPasswordMismatch, "Username and password does not match, username: alice")
	if strings.Contains(r.msg(), "wrong") || strings.Contains(r.msg(), "s3cret") {
		t.Fatalf("password leaked in %q", r.msg())
	}
	send(basicAuth("alice", "")).expectErr(t, codes.InvalidArgument, StatusInvalidArguments, "Illegal param: blank password")
	send(basicAuth("", "x")).expectErr(t, codes.InvalidArgument, StatusInvalidArguments, "Illegal param: blank username")
	send(basicAuth("alice", "s3cret")).expectOK(t, 1)
}

func TestAuthDisabledIgnoresHeader(t *testing.T) {
	s := StartT(t, Options{})
	c := dial(t, s)
	c.handle(&gpb.GreptimeRequest{
		Header: &gpb.RequestHeader{Authorization: basicAuth("anyone", "anything")},
		Request: &gpb.GreptimeRequest_RowInserts{RowInserts: &gpb.RowInsertRequests{Inserts: []*gpb.RowInsertRequest{
			req("t", cpuSchema(), row(sv("a"), tv(1), fv(1))),
		}}},
	}).expectOK(t, 1)
}

func TestMetadataDB(t *testing.T) {
	s := &Server{opts: Options{Users: map[string]string{"alice": "pw"}}}
	b64 := base64.StdEncoding.EncodeToString([]byte("alice:pw"))
	k, err := s.metadataDB(metadata.Pairs("x-greptime-db-name", "cat-sch", "x-greptime-auth", "Basic "+b64))
	if err != nil || k != (dbKey{"cat", "sch"}) {
		t.Fatalf("got %v %v", k, err)
	}
	if _, err := s.metadataDB(metadata.Pairs("authorization", b64)); err != nil {
		t.Fatalf("credentials without the Basic prefix are accepted: %v", err)
	}
	if k, _ := s.metadataDB(metadata.Pairs("authorization", "Basic "+b64)); k != (dbKey{"greptime", "public"}) {
		t.Fatalf("default database = %v", k)
	}
	_, err = s.metadataDB(metadata.MD{})
	if e := (*Error)(nil); !errors.As(err, &e) || e.Code != StatusAuthHeaderNotFound {
		t.Fatalf("missing auth: %v", err)
	}
	_, err = s.metadataDB(metadata.Pairs("x-greptime-auth", "Basic !!!"))
	if e := (*Error)(nil); !errors.As(err, &e) || e.Code != StatusInvalidAuthHeader || e.Msg != "Invalid base64 value" {
		t.Fatalf("bad base64: %v", err)
	}
	bad := base64.StdEncoding.EncodeToString([]byte("alice:nope"))
	_, err = s.metadataDB(metadata.Pairs("x-greptime-auth", "Basic "+bad))
	if st, _ := status.FromError(err); st.Code() != codes.Unauthenticated || st.Message() != "auth failed" {
		t.Fatalf("wrong password: %v", err)
	}
	open := &Server{}
	if _, err := open.metadataDB(metadata.MD{}); err != nil {
		t.Fatalf("auth disabled: %v", err)
	}
}

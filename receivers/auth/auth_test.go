package auth

import (
	"encoding/base64"
	"errors"
	"strings"
	"testing"
)

func basic(u, p string) string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(u+":"+p))
}

func TestCheck(t *testing.T) {
	a := New(map[string]string{"prom": "pw"}, []string{"tok"})
	cases := []struct {
		header string
		ok     bool
	}{
		{basic("prom", "pw"), true},
		{"basic " + base64.StdEncoding.EncodeToString([]byte("prom:pw")), true},
		{basic("prom", "wrong"), false},
		{basic("nobody", "pw"), false},
		{"Bearer tok", true},
		{"Bearer nope", false},
		{"", false},
		{"Basic !!!", false},
		{"Basic " + base64.StdEncoding.EncodeToString([]byte("nocolon")), false},
		{"Digest x", false},
	}
	for _, c := range cases {
		err := a.Check(c.header)
		if (err == nil) != c.ok {
			t.Errorf("%q: got %v", c.header, err)
		}
		if err != nil {
			if !errors.Is(err, ErrUnauthenticated) || strings.Contains(err.Error(), "pw") || strings.Contains(err.Error(), "prom") {
				t.Errorf("%q: error %q leaks or is untyped", c.header, err)
			}
		}
	}
}

func TestDisabledAcceptsAll(t *testing.T) {
	var nilAuth *Authenticator
	for _, a := range []*Authenticator{nilAuth, New(nil, nil)} {
		if a.Enabled() || a.Check("") != nil {
			t.Fatal("disabled authenticator refused a request")
		}
	}
}

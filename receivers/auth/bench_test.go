package auth

import (
	"fmt"
	"testing"
)

// BenchmarkAuthenticate measures one request's authentication against 100
// users and 100 tokens: every entry of the scheme is compared, so the cost
// grows with the number of credentials, not with which one matched.
func BenchmarkAuthenticate(b *testing.B) {
	var o Options
	for i := range 100 {
		o.Users = append(o.Users, Credential{Name: fmt.Sprintf("user%d", i), Secret: fmt.Sprintf("password-%d", i), Databases: []string{"db"}})
		o.Tokens = append(o.Tokens, Credential{Name: fmt.Sprint(i), Secret: fmt.Sprintf("token-%d", i), Databases: []string{"db"}})
	}
	a := New(o)
	for _, c := range []struct{ name, header string }{
		{"basic-first", basic("user0", "password-0")},
		{"basic-last", basic("user99", "password-99")},
		{"basic-unknown-user", basic("nobody", "password-0")},
		{"bearer-last", "Bearer token-99"},
		{"bearer-wrong", "Bearer nope"},
	} {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				_, _ = a.Authenticate(c.header)
			}
		})
	}
}
